import Foundation
import JifenCore
import JifenTestSupport
import PostgresNIO
import Testing

@testable import JifenPostgres

/// Isolation is enforced by PostgreSQL itself, so these queries bypass the repositories and
/// run raw SQL as the application role.
@Suite struct RowLevelSecurityTests {
    @Test func applicationRoleCannotBypassRowLevelSecurity() async throws {
        let servers = try await TestServers.shared.ready()
        let rows = try await servers.database.client.query(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        for try await (superuser, bypass) in rows.decode((Bool, Bool).self) {
            #expect(!superuser)
            #expect(!bypass)
        }
    }

    @Test func withoutATenantNoTenantRowIsVisible() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        _ = try await servers.database.withTenant(tenant.id) { connection in
            try await connection.recordOrder(Fixtures.order("o-1", member: "m-1"))
        }
        #expect(try await servers.count("members", tenant: tenant.id) == 1)

        for table in ["tenants", "api_keys", "members", "orders", "outbox", "idempotency_keys"] {
            // A fresh transaction on a pooled connection: app.tenant_id is '' or unset.
            let count = try await servers.database.client.withTransaction(logger: servers.logger) { connection in
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table)"),
                    logger: servers.logger
                )
                return try await rows.decode(Int64.self).first(where: { _ in true }) ?? -1
            }
            #expect(count == 0, "\(table) leaked \(count) rows without app.tenant_id")
        }
    }

    @Test func aTenantSeesOnlyItsOwnRows() async throws {
        let servers = try await TestServers.shared.ready()
        let (a, _) = try await servers.makeTenant("a")
        let (b, _) = try await servers.makeTenant("b")
        for tenant in [a, b] {
            _ = try await servers.database.withTenant(tenant.id) { connection in
                try await connection.recordOrder(Fixtures.order("same-order", member: "same-member"))
            }
        }
        let foreign = try await servers.database.withTenant(a.id) { connection in
            let rows = try await connection.connection.query(
                """
                SELECT (SELECT count(*) FROM members WHERE tenant_id = \(b.id.rawValue))
                     + (SELECT count(*) FROM orders WHERE tenant_id = \(b.id.rawValue))
                     + (SELECT count(*) FROM outbox WHERE tenant_id = \(b.id.rawValue))
                     + (SELECT count(*) FROM api_keys WHERE tenant_id = \(b.id.rawValue))
                     + (SELECT count(*) FROM tenants WHERE id = \(b.id.rawValue))
                """,
                logger: servers.logger
            )
            return try await rows.decode(Int64.self).first(where: { _ in true }) ?? -1
        }
        #expect(foreign == 0)
        #expect(try await servers.count("orders", tenant: a.id) == 1)
    }

    @Test func aTenantCannotWriteRowsForAnother() async throws {
        let servers = try await TestServers.shared.ready()
        let (a, _) = try await servers.makeTenant("a")
        let (b, _) = try await servers.makeTenant("b")
        await #expect(throws: (any Error).self) {
            try await servers.database.withTenant(a.id) { connection in
                try await connection.connection.query(
                    "INSERT INTO members (tenant_id, external_id) VALUES (\(b.id.rawValue), 'intruder')",
                    logger: servers.logger
                )
            }
        }
        #expect(try await servers.count("members", tenant: b.id) == 0)
    }

    /// The system scope belongs to a role, not to a setting: the application role claiming it
    /// the old way (`app.scope = 'system'`), or by switching role, sees nothing of another
    /// tenant, while the system role sees the tenants and keys (and still no member).
    @Test func theApplicationRoleCannotTakeTheSystemScope() async throws {
        let servers = try await TestServers.shared.ready()
        let (a, _) = try await servers.makeTenant("a")
        let (b, _) = try await servers.makeTenant("b")
        _ = try await servers.database.withTenant(b.id) { connection in
            try await connection.recordOrder(Fixtures.order("o-1", member: "m-1"))
        }
        let foreign: PostgresQuery = """
            SELECT (SELECT count(*) FROM tenants WHERE id = \(b.id.rawValue))
                 + (SELECT count(*) FROM api_keys WHERE tenant_id = \(b.id.rawValue))
                 + (SELECT count(*) FROM outbox WHERE tenant_id = \(b.id.rawValue))
                 + (SELECT count(*) FROM members WHERE tenant_id = \(b.id.rawValue))
            """
        let claimed = try await servers.database.withTenant(a.id) { connection in
            try await connection.connection.query("SET LOCAL app.scope = 'system'", logger: servers.logger)
            try await connection.connection.query("SET LOCAL app.tenant_id = ''", logger: servers.logger)
            return try await connection.connection.query(foreign, logger: servers.logger)
                .decode(Int64.self).first(where: { _ in true })
        }
        #expect(claimed == 0, "app.scope widened the application role's view")
        await #expect(throws: (any Error).self, "the application role became jifen_system") {
            try await servers.database.client.withTransaction(logger: servers.logger) { connection in
                try await connection.query("SET LOCAL ROLE jifen_system", logger: servers.logger)
            }
        }

        // The system role itself: b's tenant row, key and outbox rows, but no member.
        let seen: [Int64] = try await servers.database.withSystem { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) FROM tenants WHERE id = \(b.id.rawValue)
                UNION ALL SELECT count(*) FROM api_keys WHERE tenant_id = \(b.id.rawValue)
                UNION ALL SELECT count(*) FROM outbox WHERE tenant_id = \(b.id.rawValue)
                UNION ALL SELECT count(*) FROM members WHERE tenant_id = \(b.id.rawValue)
                """,
                logger: servers.logger
            )
            var counts: [Int64] = []
            for try await count in rows.decode(Int64.self) { counts.append(count) }
            return counts
        }
        #expect(seen.count == 4)
        #expect(seen.first == 1 && seen.dropFirst().first == 1, "tenants and keys: \(seen)")
        #expect((seen.dropFirst(2).first ?? 0) >= 1, "outbox: \(seen)")
        #expect(seen.last == 0, "the system scope reached member data")
        let role = try await servers.database.withSystem { connection in
            try await connection.query("SELECT current_user::text", logger: servers.logger)
                .decode(String.self).first(where: { _ in true })
        }
        #expect(role == "jifen_system")
    }
}
