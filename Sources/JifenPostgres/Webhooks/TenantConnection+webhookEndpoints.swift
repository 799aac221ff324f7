import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    static let endpointColumns = """
        id, url, event_types, description, state, disabled_reason, failing_since, created_at, updated_at,
        (extract(epoch FROM created_at) * 1000000)::bigint
        """

    /// Adds an endpoint with its signing secret (made by the caller, shown to the shop once),
    /// sealed: the row never holds it in clear.
    public func createEndpoint(url: String, eventTypes: [String], description: String?, secret: String) async throws
        -> WebhookEndpoint
    {
        // The id is made here, not by the database: the sealed secret is bound to it.
        let id = UUID()
        let sealed = try seal(secret, context: endpointSecretContext(id))
        let rows = try await query(
            """
            INSERT INTO webhook_endpoints (tenant_id, id, url, event_types, description, secret_sealed)
            VALUES (\(tenant.rawValue), \(id), \(url), \(eventTypes), \(description), \(sealed))
            RETURNING \(unescaped: Self.endpointColumns)
            """
        )
        for try await row in rows { return try Self.endpoint(from: row) }
        throw JifenError(.internalError, "endpoint vanished in its own transaction")
    }

    func endpointSecretContext(_ id: UUID) -> String {
        Self.secretContext("webhook_endpoints", tenant: tenant, row: id.uuidString.lowercased())
    }

    public func endpoint(_ id: UUID) async throws -> WebhookEndpoint? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND deleted_at IS NULL
            """
        )
        for try await row in rows { return try Self.endpoint(from: row) }
        return nil
    }

    public func endpoints(limit: PageLimit, after cursor: PageCursor?) async throws -> Page<WebhookEndpoint> {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
            WHERE tenant_id = \(tenant.rawValue) AND deleted_at IS NULL
              AND \(after: cursor)
            ORDER BY created_at DESC, id DESC LIMIT \(limit.value + 1)
            """
        )
        var endpoints: [WebhookEndpoint] = []
        for try await row in rows { endpoints.append(try Self.endpoint(from: row)) }
        return Page.slicing(endpoints, limit: limit) { $0.cursor }
    }

    /// Changes what is given; `enabled: true` also forgets past failures.
    public func updateEndpoint(
        _ id: UUID,
        url: String?,
        eventTypes: [String]?,
        description: String?,
        enabled: Bool?
    ) async throws -> WebhookEndpoint? {
        let rows = try await query(
            """
            UPDATE webhook_endpoints SET
                url = coalesce(\(url), url),
                event_types = coalesce(\(eventTypes), event_types),
                description = coalesce(\(description), description),
                state = CASE WHEN \(enabled)::boolean IS NULL THEN state WHEN \(enabled)::boolean THEN 'enabled' ELSE 'disabled' END,
                disabled_reason = CASE WHEN \(enabled)::boolean IS NULL THEN disabled_reason
                                       WHEN \(enabled)::boolean THEN NULL ELSE 'disabled by the shop' END,
                failing_since = CASE WHEN \(enabled)::boolean = true THEN NULL ELSE failing_since END,
                updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND deleted_at IS NULL
            RETURNING \(unescaped: Self.endpointColumns)
            """
        )
        for try await row in rows { return try Self.endpoint(from: row) }
        return nil
    }

    /// A new secret; the old one keeps signing alongside it until `overlapUntil`. Both sealed.
    public func rotateSecret(_ id: UUID, secret: String, overlapUntil: Date) async throws -> WebhookEndpoint? {
        let context = endpointSecretContext(id)
        // The current secret becomes the previous one: a sealed one moves as it is (it is bound
        // to the row, not the column); one in plain text (written by older code) is sealed now.
        let current = try await query(
            """
            SELECT secret, secret_sealed FROM webhook_endpoints
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND deleted_at IS NULL FOR UPDATE
            """
        )
        var found = false
        var previous: Data?
        for try await (plain, sealed) in current.decode((String?, Data?).self) {
            found = true
            if let sealed {
                previous = sealed
            } else if let plain {
                previous = try seal(plain, context: context)
            }
        }
        guard found else { return nil }
        let sealed = try seal(secret, context: context)
        let rows = try await query(
            """
            UPDATE webhook_endpoints SET previous_secret_sealed = \(previous), previous_secret_until = \(overlapUntil),
                                         secret_sealed = \(sealed), secret = NULL,
                                         previous_secret = NULL, updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND deleted_at IS NULL
            RETURNING \(unescaped: Self.endpointColumns)
            """
        )
        for try await row in rows { return try Self.endpoint(from: row) }
        return nil
    }

    /// Removes an endpoint (its delivery log stays); `false` if there was none.
    public func deleteEndpoint(_ id: UUID) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE webhook_endpoints SET deleted_at = clock_timestamp(), state = 'disabled', disabled_reason = 'deleted'
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND deleted_at IS NULL
            RETURNING 1
            """
        )
        return try await rows.decode(Int.self).first(where: { _ in true }) != nil
    }

    /// The endpoint's URL and the secrets that sign for it at `now` (a deleted endpoint counts
    /// as disabled, so its pending deliveries fail instead of waiting forever).
    public func signing(endpoint id: UUID, now: Date) async throws -> EndpointSigning? {
        let rows = try await query(
            """
            SELECT url, secret, secret_sealed,
                   CASE WHEN previous_secret_until > \(now) THEN previous_secret END,
                   CASE WHEN previous_secret_until > \(now) THEN previous_secret_sealed END,
                   state = 'enabled' AND deleted_at IS NULL, failing_since
            FROM webhook_endpoints WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        let context = endpointSecretContext(id)
        for try await (url, secret, sealed, previous, previousSealed, enabled, failingSince) in rows.decode(
            (String, String?, Data?, String?, Data?, Bool, Date?).self
        ) {
            guard let current = try open(plain: secret, sealed: sealed, context: context) else {
                throw JifenError(.internalError, "webhook endpoint \(id) has no secret")
            }
            let old = try open(plain: previous, sealed: previousSealed, context: context)
            return EndpointSigning(
                url: url,
                secrets: [current] + (old.map { [$0] } ?? []),
                enabled: enabled,
                failingSince: failingSince
            )
        }
        return nil
    }

    static func endpoint(from row: PostgresRow) throws -> WebhookEndpoint {
        let (id, url, types, description, state, reason, failing, createdAt, updatedAt, micros) = try row.decode(
            (UUID, String, [String], String?, String, String?, Date?, Date, Date, Int64).self,
            context: .default
        )
        return WebhookEndpoint(
            id: id,
            url: url,
            eventTypes: types,
            description: description,
            enabled: state == "enabled",
            disabledReason: reason,
            failingSince: failing,
            createdAt: createdAt,
            updatedAt: updatedAt,
            createdAtMicros: micros
        )
    }
}
