import Crypto
import Foundation
import JifenCore
import NIOConcurrencyHelpers

/// The tenant's key for the keyed hashes of personal values (an erased member's email and
/// phone, erased external ids): HMAC-SHA-256, never a plain hash, because the few billion phone
/// numbers there are would all be hashed in an afternoon. One random key per tenant, stored
/// sealed by ``SecretBox`` (so a dump of the database alone does not hold it) and never changed:
/// hashes written years apart must still compare. Rotating `SECRETS_KEY` re-seals it
/// (``TenantConnection/resealSecrets(plaintextOnly:)``) without changing it.
final class MemberHashKeys: Sendable {
    static let shared = MemberHashKeys()

    /// Keys are read far more often than made, and a key never changes once committed, so a
    /// process keeps those it has read. Bounded: when full it starts over.
    private let keys = NIOLockedValueBox<[TenantID: Data]>([:])
    let capacity = 10_000

    func key(_ tenant: TenantID) -> Data? { keys.withLockedValue { $0[tenant] } }

    /// Forgets a tenant's key, so the next use reads it from the database again (tests).
    func forget(_ tenant: TenantID) { _ = keys.withLockedValue { $0.removeValue(forKey: tenant) } }

    func keep(_ key: Data, for tenant: TenantID) {
        keys.withLockedValue { keys in
            if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
            keys[tenant] = key
        }
    }
}

/// What ``TenantConnection/personalHasher()`` gives: hashes a normalised personal value.
struct PersonalHasher: Sendable {
    let key: Data

    /// `kind` separates the uses (an email never matches an external id that spells the same).
    func hash(_ kind: String, _ value: String) -> Data {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Data(kind.utf8))
        mac.update(data: Data([0]))
        mac.update(data: Data(value.utf8))
        return Data(mac.finalize())
    }

    func email(_ email: String?) -> Data? { PersonalValue.email(email).map { hash("email", $0) } }
    func phone(_ phone: String?) -> Data? { PersonalValue.phone(phone).map { hash("phone", $0) } }
    func externalID(_ id: ExternalID) -> Data { hash("external_id", id.rawValue) }
}

extension TenantConnection {
    static func memberHashKeyContext(_ tenant: TenantID) -> String {
        secretContext("member_hash_keys", tenant: tenant, row: "key")
    }

    /// The tenant's hasher, making its key the first time. A key this transaction made is not
    /// cached: the transaction may still roll back, and another would then make a different one.
    func personalHasher() async throws -> PersonalHasher {
        if let key = MemberHashKeys.shared.key(tenant) { return PersonalHasher(key: key) }
        if let (key, ours) = try await storedHashKey() {
            if !ours { MemberHashKeys.shared.keep(key, for: tenant) }
            return PersonalHasher(key: key)
        }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let sealed = try seal(fresh.base64EncodedString(), context: Self.memberHashKeyContext(tenant))
        try await query(
            """
            INSERT INTO member_hash_keys (tenant_id, key_sealed) VALUES (\(tenant.rawValue), \(sealed))
            ON CONFLICT (tenant_id) DO NOTHING
            """
        )
        // A concurrent transaction may have won the insert: whichever row is there is the key.
        guard let (key, _) = try await storedHashKey() else {
            throw JifenError(.internalError, "the tenant's member hash key vanished after its insert")
        }
        return PersonalHasher(key: key)
    }

    /// The stored key, and whether it may be uncommitted: a row made before this transaction
    /// began was committed by another one (this one, or a savepoint of it, writes later rows).
    private func storedHashKey() async throws -> (Data, ours: Bool)? {
        let rows = try await query(
            """
            SELECT key_sealed, created_at >= transaction_timestamp()
            FROM member_hash_keys WHERE tenant_id = \(tenant.rawValue)
            """
        )
        guard let (sealed, ours) = try await rows.decode((Data, Bool).self).first(where: { _ in true }) else {
            return nil
        }
        let text = try secrets.open(sealed, context: Self.memberHashKeyContext(tenant))
        guard let key = Data(base64Encoded: text), key.count == 32 else {
            throw JifenError(.internalError, "the tenant's member hash key is malformed")
        }
        return (key, ours)
    }
}
