import Foundation
import JifenCore
import JifenPostgres
import NIOConcurrencyHelpers

/// The keys this process authenticated lately, so a request with a known key costs no
/// transaction (issue 16: the lookup was a third of the API's round trips to PostgreSQL).
///
/// A cached key must never outlive its revocation. The cache holds entries only while it is
/// *live*: while ``KeyChangeListener`` is listening for the notifications migration 0016 sends
/// on every revocation and tenant change, each of which drops that tenant's entries. When the
/// listening connection is lost the cache empties and stops caching until it listens again, so a
/// revocation reaches this process as fast as PostgreSQL delivers a notification (milliseconds),
/// and never later than ``ttl`` (a bound that holds even if notifications went missing).
public final class KeyCache: Sendable {
    struct Entry {
        var key: AuthenticatedKey
        var expiry: ContinuousClock.Instant
    }

    struct State {
        var live = false
        /// Moves on every invalidation: a lookup that started before one of its tenant must not
        /// store what it read (it may have read the key just before its revocation committed).
        var generation: UInt64 = 0
        /// The generation of each tenant's last invalidation, and of the last that dropped all.
        var invalidated: [TenantID: UInt64] = [:]
        var allInvalidated: UInt64 = 0
        var entries: [Data: Entry] = [:]

        mutating func invalidateAll() {
            generation &+= 1
            allInvalidated = generation
            invalidated.removeAll()
            entries.removeAll()
        }
    }

    public let ttl: Duration
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    public init(ttl: Duration = .seconds(60), capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached key for a token's digest, if the cache is live and the entry fresh.
    func key(for digest: Data, now: ContinuousClock.Instant) -> AuthenticatedKey? {
        state.withLockedValue { state in
            guard state.live, let entry = state.entries[digest] else { return nil }
            if entry.expiry > now { return entry.key }
            state.entries[digest] = nil
            return nil
        }
    }

    /// Where invalidations stand before a lookup; `nil` when the cache is not live.
    func generation() -> UInt64? {
        state.withLockedValue { $0.live ? $0.generation : nil }
    }

    /// Keeps a looked-up key, unless something was invalidated since `generation`.
    func store(_ key: AuthenticatedKey, digest: Data, generation: UInt64, now: ContinuousClock.Instant) {
        state.withLockedValue { state in
            guard state.live, state.allInvalidated <= generation,
                (state.invalidated[key.tenant] ?? 0) <= generation
            else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expiry > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[digest] = Entry(key: key, expiry: now + ttl)
        }
    }

    /// A tenant's keys or limits changed (`nil`: something unknown changed, drop everything).
    public func invalidate(tenant: TenantID?) {
        state.withLockedValue { state in
            // Bounded: past this many tenants, forget them all (racing lookups are then not kept).
            guard let tenant, state.invalidated.count < capacity else { return state.invalidateAll() }
            state.generation &+= 1
            state.invalidated[tenant] = state.generation
            state.entries = state.entries.filter { $0.value.key.tenant != tenant }
        }
    }

    /// Listening started (`true`) or was lost (`false`); either way what is cached goes.
    public func setLive(_ live: Bool) {
        state.withLockedValue { state in
            state.invalidateAll()
            state.live = live
        }
    }

    public var isLive: Bool { state.withLockedValue { $0.live } }
    var count: Int { state.withLockedValue { $0.entries.count } }
}
