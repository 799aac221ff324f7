import Foundation
import JifenCore
import PostgresNIO

/// Tenants and their API keys: provisioning (system scope) and key authentication (tenant
/// scope, the tenant read from the key).
public struct TenantStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Creates a tenant with its first API key.
    public func create(name: String) async throws -> (Tenant, IssuedAPIKey) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var validator = Validator()
        validator.text(trimmed, "name", max: 200, required: true)
        try validator.finish()
        return try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                WITH tenant AS (
                    INSERT INTO tenants (name) VALUES (\(trimmed)) RETURNING \(unescaped: Self.columns)
                ), progress AS (
                    -- Reports start with the tenant's first day (migrations/0020_reports.sql).
                    INSERT INTO report_progress (tenant_id, due_at) SELECT id, now() + interval '1 day' FROM tenant
                )
                SELECT * FROM tenant
                """,
                logger: database.logger
            )
            guard let tenant = try await Self.tenants(rows).first else {
                throw JifenError(.internalError, "tenant insert returned no row")
            }
            let key = try await insertKey(for: tenant.id, name: "default", on: connection)
            return (tenant, key)
        }
    }

    /// Tenants newest first.
    /// Tenants that have something a sweep of `kind` would act on at `now`, in id order: at most
    /// `limit`, after `after` (for paging). One indexed query across tenants
    /// (`jifen_due_tenants`, migrations/0015_due_work.sql), so a tenant with nothing due costs
    /// nothing; it sees only which tenants, never their members' rows.
    public func dueTenants(_ kind: JobKind, now: Date, limit: Int, after: TenantID?) async throws -> [TenantID] {
        try await database.withSystem { connection in
            var due: [TenantID] = []
            for try await id in try await connection.query(
                """
                SELECT jifen_due_tenants FROM jifen_due_tenants(\(kind.name)::text, \(now)::timestamptz,
                    \(limit)::integer, \(after?.rawValue)::uuid)
                """,
                logger: database.logger
            )
            .decode(UUID.self) {
                due.append(TenantID(id))
            }
            return due
        }
    }

    /// Every tenant's id: for work done per tenant (audits, secrets).
    public func allIDs() async throws -> [TenantID] {
        try await database.withSystem { connection in
            var all: [TenantID] = []
            for try await id in try await connection.query(
                "SELECT id FROM tenants ORDER BY id",
                logger: database.logger
            )
            .decode(UUID.self) {
                all.append(TenantID(id))
            }
            return all
        }
    }

    public func list(limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Tenant> {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM tenants
                WHERE \(after: cursor)
                ORDER BY created_at DESC, id DESC
                LIMIT \(limit.value + 1)
                """,
                logger: database.logger
            )
            return Page.slicing(try await Self.tenants(rows), limit: limit) { $0.cursor }
        }
    }

    /// One tenant; `notFound` for an unknown one.
    public func tenant(_ id: TenantID) async throws -> Tenant {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM tenants WHERE id = \(id.rawValue)",
                logger: database.logger
            )
            guard let tenant = try await Self.tenants(rows).first else {
                throw JifenError.notFound("no tenant '\(id)'")
            }
            return tenant
        }
    }

    /// Sets the tenant's own rate limit, or with `nil` returns it to the server's default. Keys
    /// pick the change up on their next request (authentication reads it).
    public func setRateLimit(_ limit: RateLimit?, for id: TenantID) async throws -> Tenant {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                UPDATE tenants SET rate_limit_per_second = \(limit?.perSecond), rate_limit_burst = \(limit?.burst)
                WHERE id = \(id.rawValue)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: database.logger
            )
            guard let tenant = try await Self.tenants(rows).first else {
                throw JifenError.notFound("no tenant '\(id)'")
            }
            return tenant
        }
    }

    static let columns = """
        id, name, created_at, (extract(epoch FROM created_at) * 1000000)::bigint, rate_limit_per_second, rate_limit_burst
        """

    /// Decodes rows selected with ``columns``.
    static func tenants(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, name, createdAt, micros, perSecond, burst) in rows.decode(
            (UUID, String, Date, Int64, Int?, Int?).self
        ) {
            tenants.append(
                Tenant(
                    id: TenantID(id),
                    name: name,
                    createdAt: createdAt,
                    createdAtMicros: micros,
                    rateLimit: RateLimit.stored(perSecond: perSecond, burst: burst)
                )
            )
        }
        return tenants
    }

    /// Issues another key; `notFound` for an unknown tenant.
    public func createKey(for tenant: TenantID, name: String?) async throws -> IssuedAPIKey {
        var validator = Validator()
        validator.text(name, "name", max: 100)
        try validator.finish()
        return try await database.withSystem { connection in
            let exists = try await connection.query(
                "SELECT 1 FROM tenants WHERE id = \(tenant.rawValue)",
                logger: database.logger
            ).decode(Int.self).first(where: { _ in true })
            guard exists != nil else { throw JifenError.notFound("no tenant '\(tenant)'") }
            return try await insertKey(for: tenant, name: name, on: connection)
        }
    }

    /// Revokes a key; revoking twice is fine, an unknown key is `notFound`.
    public func revokeKey(_ key: UUID, of tenant: TenantID) async throws {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
                WHERE tenant_id = \(tenant.rawValue) AND id = \(key)
                RETURNING id
                """,
                logger: database.logger
            )
            guard try await rows.decode(UUID.self).first(where: { _ in true }) != nil else {
                throw JifenError.notFound("no API key '\(key.uuidString.lowercased())' for tenant '\(tenant)'")
            }
        }
    }

    /// The tenant a presented key belongs to, or `nil` if the key is unknown or revoked.
    /// `last_used_at` is refreshed at most once a minute so hot keys do not write on every
    /// request.
    public func authenticate(_ presented: String) async throws -> AuthenticatedKey? {
        guard let secret = APIKeySecret(presented) else { return nil }
        return try await database.withTenant(secret.tenant) { tenant in
            let rows = try await tenant.query(
                """
                WITH key AS (
                    SELECT id, last_used_at FROM api_keys
                    WHERE tenant_id = \(secret.tenant.rawValue) AND secret_hash = \(secret.hash) AND revoked_at IS NULL
                ), touched AS (
                    UPDATE api_keys SET last_used_at = now()
                    WHERE tenant_id = \(secret.tenant.rawValue)
                      AND id = (SELECT id FROM key)
                      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                )
                SELECT key.id, t.rate_limit_per_second, t.rate_limit_burst
                FROM key JOIN tenants t ON t.id = \(secret.tenant.rawValue)
                """
            )
            guard
                let (id, perSecond, burst) = try await rows.decode((UUID, Int?, Int?).self).first(where: { _ in true })
            else { return nil }
            return AuthenticatedKey(
                tenant: secret.tenant,
                keyID: id,
                rateLimit: RateLimit.stored(perSecond: perSecond, burst: burst)
            )
        }
    }

    private func insertKey(for tenant: TenantID, name: String?, on connection: PostgresConnection) async throws
        -> IssuedAPIKey
    {
        let secret = APIKeySecret.generate(for: tenant)
        let rows = try await connection.query(
            """
            INSERT INTO api_keys (tenant_id, name, prefix, secret_hash)
            VALUES (\(tenant.rawValue), \(name), \(secret.prefix), \(secret.hash))
            RETURNING id, created_at
            """,
            logger: database.logger
        )
        guard let (id, createdAt) = try await rows.decode((UUID, Date).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "API key insert returned no row")
        }
        return IssuedAPIKey(id: id, tenant: tenant, name: name, secret: secret, createdAt: createdAt)
    }
}
