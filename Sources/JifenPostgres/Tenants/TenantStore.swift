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
            let key = try await insertKey(for: tenant.id, name: "default", scopes: APIScope.allCases, on: connection)
            try await AuditLog.record(
                on: connection,
                tenant: tenant.id,
                .tenantCreated,
                target: tenant.id.description,
                before: nil,
                after: ["name": tenant.name],
                logger: database.logger
            )
            try await auditKeyCreated(key, on: connection)
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
                WITH old AS (
                    SELECT rate_limit_per_second AS old_per_second, rate_limit_burst AS old_burst
                    FROM tenants WHERE id = \(id.rawValue) FOR UPDATE
                )
                UPDATE tenants SET rate_limit_per_second = \(limit?.perSecond), rate_limit_burst = \(limit?.burst)
                FROM old
                WHERE id = \(id.rawValue)
                RETURNING \(unescaped: Self.columns), old.old_per_second, old.old_burst
                """,
                logger: database.logger
            )
            var found: (Tenant, RateLimit?)?
            for try await row in rows {
                let (tenantID, name, createdAt, micros, perSecond, burst, oldPerSecond, oldBurst) = try row.decode(
                    (UUID, String, Date, Int64, Int?, Int?, Int?, Int?).self
                )
                found = (
                    Tenant(
                        id: TenantID(tenantID),
                        name: name,
                        createdAt: createdAt,
                        createdAtMicros: micros,
                        rateLimit: RateLimit.stored(perSecond: perSecond, burst: burst)
                    ),
                    RateLimit.stored(perSecond: oldPerSecond, burst: oldBurst)
                )
            }
            guard let (tenant, old) = found else { throw JifenError.notFound("no tenant '\(id)'") }
            try await AuditLog.record(
                on: connection,
                tenant: id,
                .tenantRateLimitChanged,
                target: id.description,
                before: AuditedRateLimit(old),
                after: AuditedRateLimit(tenant.rateLimit),
                logger: database.logger
            )
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

    /// Issues another key with `scopes`; `notFound` for an unknown tenant.
    public func createKey(for tenant: TenantID, name: String?, scopes: [APIScope] = APIScope.allCases) async throws
        -> IssuedAPIKey
    {
        var validator = Validator()
        validator.text(name, "name", max: 100)
        try validator.finish()
        return try await database.withSystem { connection in
            let exists = try await connection.query(
                "SELECT 1 FROM tenants WHERE id = \(tenant.rawValue)",
                logger: database.logger
            ).decode(Int.self).first(where: { _ in true })
            guard exists != nil else { throw JifenError.notFound("no tenant '\(tenant)'") }
            let key = try await insertKey(for: tenant, name: name, scopes: scopes, on: connection)
            try await auditKeyCreated(key, on: connection)
            return key
        }
    }

    /// Revokes a key; revoking twice is fine (and recorded once), an unknown key is `notFound`.
    public func revokeKey(_ key: UUID, of tenant: TenantID) async throws {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                WITH old AS (
                    SELECT id, revoked_at FROM api_keys WHERE tenant_id = \(tenant.rawValue) AND id = \(key) FOR UPDATE
                )
                UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now())
                FROM old
                WHERE k.tenant_id = \(tenant.rawValue) AND k.id = old.id
                RETURNING k.id, k.name, old.revoked_at IS NULL
                """,
                logger: database.logger
            )
            guard
                let (_, name, revokedNow) = try await rows.decode((UUID, String?, Bool).self).first(where: { _ in true }
                )
            else {
                throw JifenError.notFound("no API key '\(key.uuidString.lowercased())' for tenant '\(tenant)'")
            }
            if revokedNow {
                try await AuditLog.record(
                    on: connection,
                    tenant: tenant,
                    .apiKeyRevoked,
                    target: key.uuidString.lowercased(),
                    before: ["name": name, "status": "active"],
                    after: ["name": name, "status": "revoked"],
                    logger: database.logger
                )
            }
        }
    }

    /// A tenant's keys, newest first, revoked ones included (never their secrets).
    public func keys(of tenant: TenantID, limit: PageLimit, after cursor: PageCursor?) async throws -> Page<APIKeyInfo>
    {
        try await database.withTenant(tenant) { scoped in
            let rows = try await scoped.query(
                """
                SELECT id, name, prefix, scopes, created_at, (extract(epoch FROM created_at) * 1000000)::bigint,
                    last_used_at, revoked_at
                FROM api_keys
                WHERE tenant_id = \(tenant.rawValue) AND \(after: cursor)
                ORDER BY created_at DESC, id DESC
                LIMIT \(limit.value + 1)
                """
            )
            var keys: [APIKeyInfo] = []
            for try await (id, name, prefix, scopes, createdAt, micros, lastUsedAt, revokedAt) in rows.decode(
                (UUID, String?, String, [String], Date, Int64, Date?, Date?).self
            ) {
                keys.append(
                    APIKeyInfo(
                        id: id,
                        name: name,
                        prefix: prefix,
                        scopes: scopes.compactMap(APIScope.init(rawValue:)).sorted(),
                        createdAt: createdAt,
                        createdAtMicros: micros,
                        lastUsedAt: lastUsedAt,
                        revokedAt: revokedAt
                    )
                )
            }
            return Page.slicing(keys, limit: limit) { $0.cursor }
        }
    }

    private func auditKeyCreated(_ key: IssuedAPIKey, on connection: PostgresConnection) async throws {
        try await AuditLog.record(
            on: connection,
            tenant: key.tenant,
            .apiKeyCreated,
            target: key.id.uuidString.lowercased(),
            before: nil,
            after: AuditedKey(name: key.name, prefix: key.secret.prefix, scopes: key.scopes.map(\.rawValue)),
            logger: database.logger
        )
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
                    SELECT id, last_used_at, scopes, name FROM api_keys
                    WHERE tenant_id = \(secret.tenant.rawValue) AND secret_hash = \(secret.hash) AND revoked_at IS NULL
                ), touched AS (
                    UPDATE api_keys SET last_used_at = now()
                    WHERE tenant_id = \(secret.tenant.rawValue)
                      AND id = (SELECT id FROM key)
                      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                )
                SELECT key.id, t.rate_limit_per_second, t.rate_limit_burst, key.scopes, key.name
                FROM key JOIN tenants t ON t.id = \(secret.tenant.rawValue)
                """
            )
            guard
                let (id, perSecond, burst, scopes, name) = try await rows.decode(
                    (UUID, Int?, Int?, [String], String?).self
                ).first(where: { _ in true })
            else { return nil }
            return AuthenticatedKey(
                tenant: secret.tenant,
                keyID: id,
                rateLimit: RateLimit.stored(perSecond: perSecond, burst: burst),
                scopes: Set(scopes.compactMap(APIScope.init(rawValue:))),
                name: name
            )
        }
    }

    private func insertKey(
        for tenant: TenantID,
        name: String?,
        scopes: [APIScope],
        on connection: PostgresConnection
    ) async throws -> IssuedAPIKey {
        let secret = APIKeySecret.generate(for: tenant)
        let rows = try await connection.query(
            """
            INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes)
            VALUES (\(tenant.rawValue), \(name), \(secret.prefix), \(secret.hash), \(scopes.map(\.rawValue)))
            RETURNING id, created_at
            """,
            logger: database.logger
        )
        guard let (id, createdAt) = try await rows.decode((UUID, Date).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "API key insert returned no row")
        }
        return IssuedAPIKey(id: id, tenant: tenant, name: name, scopes: scopes, secret: secret, createdAt: createdAt)
    }
}

/// What the audit log keeps of a key: never its secret or hash.
struct AuditedKey: Encodable, Sendable {
    var name: String?
    var prefix: String
    var scopes: [String]
}

/// A tenant's rate limit as the audit log shows it: `source: default` when it has none.
struct AuditedRateLimit: Encodable, Sendable {
    var requestsPerSecond: Int?
    var burst: Int?
    var source: String

    init(_ limit: RateLimit?) {
        requestsPerSecond = limit?.perSecond
        burst = limit?.burst
        source = limit == nil ? "default" : "tenant"
    }

    enum CodingKeys: String, CodingKey {
        case requestsPerSecond = "requests_per_second", burst, source
    }
}
