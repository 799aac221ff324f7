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
    /// Stores the shop's secret for `kind`; the one it replaces keeps verifying for a while,
    /// so a shop can rotate without losing webhooks in flight.
    public func setInboundSecret(_ kind: InboundKind, secret: String, now: Date = Date()) async throws {
        try await query(
            """
            INSERT INTO inbound_integrations (tenant_id, kind, secret) VALUES (\(tenant.rawValue), \(kind.rawValue), \(secret))
            ON CONFLICT (tenant_id, kind) DO UPDATE SET
                previous_secret = CASE WHEN inbound_integrations.secret = EXCLUDED.secret
                                       THEN inbound_integrations.previous_secret ELSE inbound_integrations.secret END,
                previous_secret_until = CASE WHEN inbound_integrations.secret = EXCLUDED.secret
                                             THEN inbound_integrations.previous_secret_until
                                             ELSE \(now.addingTimeInterval(kind.overlap)) END,
                secret = EXCLUDED.secret, updated_at = clock_timestamp()
            """
        )
    }

    /// The secrets that verify `kind` at `now`: the current one, and the previous one during
    /// its overlap. Empty when the shop has not set one.
    public func inboundSecrets(_ kind: InboundKind, now: Date = Date()) async throws -> [String] {
        let rows = try await query(
            """
            SELECT secret, CASE WHEN previous_secret_until > \(now) THEN previous_secret END
            FROM inbound_integrations WHERE tenant_id = \(tenant.rawValue) AND kind = \(kind.rawValue)
            """
        )
        for try await (secret, previous) in rows.decode((String, String?).self) {
            return [secret] + (previous.map { [$0] } ?? [])
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
