import Foundation
import JifenCore
import PostgresNIO

/// A shop's platform that sends us webhooks.
public enum InboundKind: String, Sendable {
    /// Shopify: `X-Shopify-Hmac-Sha256`; the previous secret verifies for an hour after a change.
    case shopify
    /// Standard Webhooks: `webhook-signature`; the previous secret verifies for a day.
    case standard

    public var overlap: TimeInterval { self == .shopify ? 3_600 : 86_400 }
}

extension TenantConnection {
    /// Stores the shop's secret for `kind`, sealed; the one it replaces keeps verifying for a
    /// while, so a shop can rotate without losing webhooks in flight. The same secret again
    /// changes nothing.
    public func setInboundSecret(_ kind: InboundKind, secret: String, now: Date = Date()) async throws {
        let context = inboundSecretContext(kind)
        // Sealed values differ every time (a fresh nonce), so "is it the same secret" is asked
        // of the opened value, here, not of the column in SQL.
        let rows = try await query(
            """
            SELECT secret, secret_sealed, previous_secret, previous_secret_sealed, previous_secret_until
            FROM inbound_integrations WHERE tenant_id = \(tenant.rawValue) AND kind = \(kind.rawValue) FOR UPDATE
            """
        )
        var stored: (current: String?, previous: String?, until: Date?)?
        for try await (plain, sealed, previousPlain, previousSealed, until) in rows.decode(
            (String?, Data?, String?, Data?, Date?).self
        ) {
            stored = (
                try open(plain: plain, sealed: sealed, context: context),
                try open(plain: previousPlain, sealed: previousSealed, context: context), until
            )
        }
        var previous: (secret: String?, until: Date?) = (nil, nil)
        if let stored {
            previous =
                stored.current == secret
                ? (stored.previous, stored.until) : (stored.current, now.addingTimeInterval(kind.overlap))
        }
        let sealed = try seal(secret, context: context)
        var previousSealed: Data?
        if let text = previous.secret { previousSealed = try seal(text, context: context) }
        try await query(
            """
            INSERT INTO inbound_integrations (tenant_id, kind, secret_sealed, previous_secret_sealed, previous_secret_until)
            VALUES (\(tenant.rawValue), \(kind.rawValue), \(sealed), \(previousSealed), \(previous.until))
            ON CONFLICT (tenant_id, kind) DO UPDATE SET
                secret = NULL, previous_secret = NULL, secret_sealed = EXCLUDED.secret_sealed,
                previous_secret_sealed = EXCLUDED.previous_secret_sealed,
                previous_secret_until = EXCLUDED.previous_secret_until, updated_at = clock_timestamp()
            """
        )
    }

    func inboundSecretContext(_ kind: InboundKind) -> String {
        Self.secretContext("inbound_integrations", tenant: tenant, row: kind.rawValue)
    }

    /// The secrets that verify `kind` at `now`: the current one, and the previous one during
    /// its overlap. Empty when the shop has not set one.
    public func inboundSecrets(_ kind: InboundKind, now: Date = Date()) async throws -> [String] {
        let rows = try await query(
            """
            SELECT secret, secret_sealed, CASE WHEN previous_secret_until > \(now) THEN previous_secret END,
                   CASE WHEN previous_secret_until > \(now) THEN previous_secret_sealed END
            FROM inbound_integrations WHERE tenant_id = \(tenant.rawValue) AND kind = \(kind.rawValue)
            """
        )
        let context = inboundSecretContext(kind)
        for try await (secret, sealed, previous, previousSealed) in rows.decode((String?, Data?, String?, Data?).self) {
            let current = try open(plain: secret, sealed: sealed, context: context)
            let old = try open(plain: previous, sealed: previousSealed, context: context)
            return [current, old].compactMap { $0 }
        }
        return []
    }

    /// Records a received webhook's id; `false` if it was received before (do nothing then).
    ///
    /// With `bodyDigest`, a body received before is a duplicate too, whatever its id: for
    /// platforms whose signature covers the body only (Shopify).
    public func markReceived(
        _ kind: InboundKind,
        webhookID: String,
        topic: String?,
        bodyDigest: Data? = nil
    ) async throws -> Bool {
        let rows = try await query(
            """
            INSERT INTO inbound_webhooks (tenant_id, kind, webhook_id, topic, body_digest)
            VALUES (\(tenant.rawValue), \(kind.rawValue), \(webhookID), \(topic), \(bodyDigest))
            ON CONFLICT DO NOTHING RETURNING 1
            """
        )
        return try await rows.decode(Int.self).first(where: { _ in true }) != nil
    }
}
