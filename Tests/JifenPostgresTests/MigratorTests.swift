import Foundation
import JifenTestSupport
import Logging
import PostgresNIO
import Testing

@testable import JifenPostgres

/// Runs the real migrations into a scratch schema, twice at once, as the owner role.
@Suite struct MigratorTests {
    func ownerConfiguration(searchPath: String? = nil) throws -> PostgresClient.Configuration {
        let url =
            ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]
            ?? "postgres://jifen_owner:jifen_owner@127.0.0.1:54329/jifen?sslmode=disable"
        var configuration = try DatabaseURL.configuration(url)
        configuration.options.maximumConnections = 2
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        return configuration
    }

    func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    @Test func twoMigratorsAtOnceApplyEachMigrationOnce() async throws {
        let servers = TestServers.shared
        let schema = "migrate_test_\(UInt32.random(in: 0...UInt32.max))"
        let migrations = try Migration.load(from: servers.repositoryRoot.appendingPathComponent("migrations").path)
        let logger = servers.logger
        try await withClient(try ownerConfiguration()) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            do {
                let scoped = try ownerConfiguration(searchPath: schema)
                async let first = withClient(scoped) {
                    try await Migrator(client: $0, logger: logger).migrate(migrations)
                }
                async let second = withClient(scoped) {
                    try await Migrator(client: $0, logger: logger).migrate(migrations)
                }
                let applied = try await [first, second]
                #expect(applied.flatMap { $0 }.sorted() == migrations.map(\.version))
                let rows = try await admin.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(schema).schema_migrations")
                )
                #expect(try await rows.decode(Int64.self).first(where: { _ in true }) == Int64(migrations.count))
                // A third run finds nothing to do.
                let again = try await withClient(scoped) {
                    try await Migrator(client: $0, logger: logger).migrate(migrations)
                }
                #expect(again.isEmpty)
                // An edited, already-applied migration is refused.
                var changed = migrations
                changed[0].sql += "\n-- edited"
                let edited = changed
                await #expect(throws: Migration.Invalid.self) {
                    try await withClient(scoped) { try await Migrator(client: $0, logger: logger).migrate(edited) }
                }
            } catch {
                _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                throw error
            }
            try await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        }
    }
}
