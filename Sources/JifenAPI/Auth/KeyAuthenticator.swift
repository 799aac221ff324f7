import Crypto
import Foundation
import JifenPostgres
import NIOConcurrencyHelpers

/// API-key authentication with a memory of failures and, when given a live ``KeyCache``, of
/// successes. A key digest that named no live key is answered from memory for ``negativeTTL``
/// instead of costing a transaction each time, so a client hammering with a wrong key costs a
/// dictionary lookup; keys are random secrets issued by the server, so a digest unknown now
/// cannot become a live key within the TTL. A known key is answered from the cache, which its
/// revocation empties (see ``KeyCache`` for how fast).
final class KeyAuthenticator: Sendable {
    /// The store's lookup (``TenantStore/authenticate(_:)``).
    let lookup: @Sendable (String) async throws -> AuthenticatedKey?
    let negativeTTL: Duration
    let capacity: Int
    let known: KeyCache?
    private let unknown = NIOLockedValueBox<[Data: ContinuousClock.Instant]>([:])

    init(
        negativeTTL: Duration = .seconds(300),
        capacity: Int = 10_000,
        cache: KeyCache? = nil,
        lookup: @escaping @Sendable (String) async throws -> AuthenticatedKey?
    ) {
        self.lookup = lookup
        self.known = cache
        self.negativeTTL = negativeTTL
        self.capacity = capacity
    }

    convenience init(tenants: TenantStore, cache: KeyCache? = nil) {
        self.init(cache: cache) { try await tenants.authenticate($0) }
    }

    func authenticate(_ token: String) async throws -> AuthenticatedKey? {
        let digest = Data(SHA256.hash(data: Array(token.utf8)))
        let now = ContinuousClock.now
        let remembered = unknown.withLockedValue { cache -> Bool in
            guard let expiry = cache[digest] else { return false }
            if expiry > now { return true }
            cache[digest] = nil
            return false
        }
        if remembered { return nil }
        if let key = known?.key(for: digest, now: now) { return key }
        let generation = known?.generation()
        if let key = try await lookup(token) {
            if let known, let generation { known.store(key, digest: digest, generation: generation, now: now) }
            return key
        }
        let expiry = now + negativeTTL
        unknown.withLockedValue { cache in
            if cache.count >= capacity {
                // Drop what has expired; if that frees nothing, drop half: a flood of distinct
                // guesses must not grow memory without bound.
                cache = cache.filter { $0.value > now }
                if cache.count >= capacity {
                    cache = Dictionary(uniqueKeysWithValues: cache.prefix(capacity / 2).map { ($0.key, $0.value) })
                }
            }
            cache[digest] = expiry
        }
        return nil
    }

    /// How many unknown digests are remembered (for tests).
    var rememberedCount: Int { unknown.withLockedValue { $0.count } }
}
