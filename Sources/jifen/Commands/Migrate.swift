import ArgumentParser
import JifenPostgres

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations (MIGRATIONS_DIR) as the owner role (MIGRATION_DATABASE_URL).",
        discussion: """
            Then seals every webhook secret still in plain text with SECRETS_KEY (SQL cannot: it \
            never sees the key), so none is left in clear once this command succeeds.
            """
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.migrate")
        let migrations = try Migration.load(from: settings.database.migrationsDirectory)
        let connections = try Connections(
            settings: settings,
            databaseURL: settings.database.migrationURL,
            logger: logger
        )
        let (applied, sealed) = try await connections.withRunningClient {
            let applied = try await Migrator(client: connections.postgres, logger: logger).migrate(migrations)
            let sealed = try await SecretsSealer(database: connections.database).reseal(plaintextOnly: true)
            return (applied, sealed)
        }
        print(
            applied.isEmpty
                ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))"
        )
        for failure in sealed.failures { print("FAILED sealing \(failure)") }
        if !sealed.failures.isEmpty {
            print("some webhook secrets are still in plain text: fix the above and run jifen migrate again")
            throw ExitCode(1)
        }
        if sealed.rewritten > 0 {
            print(
                "sealed the plain-text webhook secrets of \(sealed.rewritten) rows under key '\(settings.secrets.current.id)'"
            )
        }
    }
}
