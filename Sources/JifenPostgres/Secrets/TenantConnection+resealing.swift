import Foundation
import JifenCore

extension TenantConnection {
    /// Seals this tenant's secrets still in plain text and, unless `plaintextOnly`, re-seals
    /// those sealed under an older key with the current one. Rows already sealed under the
    /// current key are left alone, so running it twice changes nothing the second time. Returns
    /// how many rows it rewrote.
    public func resealSecrets(plaintextOnly: Bool) async throws -> Int {
        var rewritten = 0
        // Deleted endpoints too: their rows still hold secrets.
        let endpoints = try await query(
            """
            SELECT id, secret, secret_sealed, previous_secret, previous_secret_sealed FROM webhook_endpoints
            WHERE tenant_id = \(tenant.rawValue)
              AND (secret IS NOT NULL OR previous_secret IS NOT NULL OR NOT \(plaintextOnly))
            ORDER BY id FOR UPDATE
            """
        )
        var endpointRows: [(UUID, SecretPair)] = []
        for try await (id, plain, sealed, previousPlain, previousSealed) in endpoints.decode(
            (UUID, String?, Data?, String?, Data?).self
        ) {
            endpointRows.append((id, SecretPair(plain, sealed, previousPlain, previousSealed)))
        }
        for (id, pair) in endpointRows {
            guard let (current, previous) = try resealed(pair, context: endpointSecretContext(id)) else { continue }
            try await query(
                """
                UPDATE webhook_endpoints SET secret_sealed = \(current), previous_secret_sealed = \(previous),
                                             secret = NULL, previous_secret = NULL
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
                """
            )
            rewritten += 1
        }

        let integrations = try await query(
            """
            SELECT kind, secret, secret_sealed, previous_secret, previous_secret_sealed FROM inbound_integrations
            WHERE tenant_id = \(tenant.rawValue)
              AND (secret IS NOT NULL OR previous_secret IS NOT NULL OR NOT \(plaintextOnly))
            ORDER BY kind FOR UPDATE
            """
        )
        var integrationRows: [(String, SecretPair)] = []
        for try await (kind, plain, sealed, previousPlain, previousSealed) in integrations.decode(
            (String, String?, Data?, String?, Data?).self
        ) {
            integrationRows.append((kind, SecretPair(plain, sealed, previousPlain, previousSealed)))
        }
        for (kind, pair) in integrationRows {
            let context = Self.secretContext("inbound_integrations", tenant: tenant, row: kind)
            guard let (current, previous) = try resealed(pair, context: context) else { continue }
            try await query(
                """
                UPDATE inbound_integrations SET secret_sealed = \(current), previous_secret_sealed = \(previous),
                                                secret = NULL, previous_secret = NULL
                WHERE tenant_id = \(tenant.rawValue) AND kind = \(kind)
                """
            )
            rewritten += 1
        }
        // The member hash key is never plain text; a rotation re-seals it, unchanged.
        if !plaintextOnly {
            let keys = try await query(
                "SELECT key_sealed FROM member_hash_keys WHERE tenant_id = \(tenant.rawValue) FOR UPDATE"
            )
            if let sealed = try await keys.decode(Data.self).first(where: { _ in true }), !secrets.isCurrent(sealed) {
                let context = Self.memberHashKeyContext(tenant)
                let resealed = try seal(try secrets.open(sealed, context: context), context: context)
                try await query(
                    "UPDATE member_hash_keys SET key_sealed = \(resealed) WHERE tenant_id = \(tenant.rawValue)"
                )
                rewritten += 1
            }
        }
        return rewritten
    }

    /// The row's secrets sealed under the current key, or nil when they already are.
    private func resealed(_ pair: SecretPair, context: String) throws(JifenError) -> (Data, Data?)? {
        let upToDate =
            pair.plain == nil && pair.previousPlain == nil
            && [pair.sealed, pair.previousSealed].allSatisfy { $0.map(secrets.isCurrent) ?? true }
        if upToDate { return nil }
        guard let current = try open(plain: pair.plain, sealed: pair.sealed, context: context) else {
            throw JifenError(.internalError, "a secret row (\(context)) has no secret")
        }
        var previous: Data?
        if let old = try open(plain: pair.previousPlain, sealed: pair.previousSealed, context: context) {
            previous = try seal(old, context: context)
        }
        return (try seal(current, context: context), previous)
    }
}

/// A row's current and previous secret, each sealed or (older code) plain.
private struct SecretPair {
    var plain: String?
    var sealed: Data?
    var previousPlain: String?
    var previousSealed: Data?

    init(_ plain: String?, _ sealed: Data?, _ previousPlain: String?, _ previousSealed: Data?) {
        self.plain = plain
        self.sealed = sealed
        self.previousPlain = previousPlain
        self.previousSealed = previousSealed
    }
}
