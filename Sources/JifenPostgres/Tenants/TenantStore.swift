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
                INSERT INTO tenants (name) VALUES (\(trimmed))
                RETURNING id, name, created_at, (extract(epoch FROM created_at) * 1000000)::bigint
                """,
                logger: database.logger
            )
            guard
                let tenant = try await rows.decode((UUID, String, Date, Int64).self).first(where: { _ in true })
                    .map({ Tenant(id: TenantID($0.0), name: $0.1, createdAt: $0.2, createdAtMicros: $0.3) })
            else { throw JifenError(.internalError, "tenant insert returned no row") }
            let key = try await insertKey(for: tenant.id, name: "default", on: connection)
            return (tenant, key)
        }
    }

    /// Tenants newest first.
    /// Every tenant's id: for work done per tenant (sweeps, audits).
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
            let micros = cursor?.createdAtMicros ?? Int64.max
            let id = cursor?.id ?? UUID()
            let rows = try await connection.query(
                """
                SELECT id, name, created_at, (extract(epoch FROM created_at) * 1000000)::bigint AS micros
                FROM tenants
                WHERE (\(cursor == nil) OR (created_at, id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id)))
                ORDER BY created_at DESC, id DESC
                LIMIT \(limit.value + 1)
                """,
                logger: database.logger
            )
            var tenants: [Tenant] = []
            for try await (id, name, createdAt, micros) in rows.decode((UUID, String, Date, Int64).self) {
                tenants.append(Tenant(id: TenantID(id), name: name, createdAt: createdAt, createdAtMicros: micros))
            }
            return Page.slicing(tenants, limit: limit) { $0.cursor }
        }
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
                SELECT id FROM key
                """
            )
            guard let id = try await rows.decode(UUID.self).first(where: { _ in true }) else { return nil }
            return AuthenticatedKey(tenant: secret.tenant, keyID: id)
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
