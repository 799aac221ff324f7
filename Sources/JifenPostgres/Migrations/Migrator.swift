import Logging
import PostgresNIO

/// Applies migrations in order, each once, each in its own transaction.
///
/// Two migrators started at once (two pods rolling out) must not both run `CREATE TABLE`:
/// the first takes a session-level advisory lock, the second waits for it and then finds
/// nothing left to do.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: every Jifen migrator contends for this one lock.
    static let advisoryLockKey: Int64 = 0x4A49_4645_4E00_0001

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies what is pending; returns the versions it applied.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
            do {
                let applied = try await apply(migrations, on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    private func apply(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var done: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM schema_migrations",
            logger: logger
        ).decode((Int, String).self) {
            done[version] = checksum
        }
        var applied: [Int] = []
        for migration in migrations {
            if let checksum = done[migration.version] {
                guard checksum == migration.checksum else {
                    throw Migration.Invalid(
                        description:
                            "migration \(migration.version)_\(migration.name) changed after it was applied; add a new migration instead"
                    )
                }
                continue
            }
            logger.info(
                "applying migration",
                metadata: ["version": "\(migration.version)", "name": "\(migration.name)"]
            )
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in SQLScript.statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """,
                        logger: logger
                    )
                }
            } catch let error as PostgresTransactionError {
                let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
                throw Migration.Invalid(
                    description: "migration \(migration.version)_\(migration.name) failed: \(String(reflecting: cause))"
                )
            }
            applied.append(migration.version)
        }
        return applied
    }
}
