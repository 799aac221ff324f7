import ArgumentParser
import JifenPostgres

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations (MIGRATIONS_DIR) as the owner role (MIGRATION_DATABASE_URL)."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.migrate")
        let migrations = try Migration.load(from: settings.migrationsDirectory)
        let connections = try Connections(
            settings: settings,
            databaseURL: settings.migrationDatabaseURL,
            logger: logger
        )
        let applied = try await connections.withRunningClient {
            try await Migrator(client: connections.postgres, logger: logger).migrate(migrations)
        }
        print(
            applied.isEmpty
                ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))"
        )
    }
}
