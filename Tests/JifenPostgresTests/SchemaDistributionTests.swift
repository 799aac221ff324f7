import JifenTestSupport
import PostgresNIO
import Testing

/// The rules that let every tenant table be distributed by `tenant_id` (Citus), checked on the
/// live schema so a new migration cannot quietly break them (docs/architecture.md, Isolation).
@Suite struct SchemaDistributionTests {
    /// Tables that are not tenant-owned, and why.
    static let global: Set<String> = [
        "tenants",  // the distribution key itself: a reference table on Citus
        "schema_migrations",  // the migrator's bookkeeping
    ]

    func strings(_ sql: String) async throws -> [String] {
        let servers = try await TestServers.shared.ready()
        var result: [String] = []
        let rows = try await servers.database.client.query(PostgresQuery(unsafeSQL: sql), logger: servers.logger)
        for try await text in rows.decode(String.self) { result.append(text) }
        return result
    }

    @Test func everyTableIsTenantOwnedOrKnownGlobal() async throws {
        let tables = try await strings(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r'
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
            """
        )
        #expect(Set(tables).subtracting(Self.global).isEmpty, "tables without tenant_id: \(tables)")
    }

    @Test func primaryKeysAndUniqueIndexesStartWithTenantID() async throws {
        let offenders = try await strings(
            """
            SELECT t.relname || '.' || i.relname FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND (x.indisunique OR x.indisprimary)
              AND t.relname NOT IN ('tenants', 'schema_migrations')
              AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = x.indkey[0]) <> 'tenant_id'
            """
        )
        #expect(offenders.isEmpty, "unique indexes not led by tenant_id: \(offenders)")
    }

    @Test func foreignKeysCarryTheTenant() async throws {
        let offenders = try await strings(
            """
            SELECT t.relname || '.' || c.conname FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND c.contype = 'f'
              AND t.relname NOT IN ('tenants', 'schema_migrations')
              AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = c.conkey[1]) <> 'tenant_id'
            """
        )
        #expect(offenders.isEmpty, "foreign keys without tenant_id first: \(offenders)")
    }

    @Test func everyTenantTableForcesRowLevelSecurity() async throws {
        let offenders = try await strings(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r'
              AND c.relname NOT IN ('schema_migrations')
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            """
        )
        #expect(offenders.isEmpty, "tables without ENABLE + FORCE ROW LEVEL SECURITY: \(offenders)")
    }
}
