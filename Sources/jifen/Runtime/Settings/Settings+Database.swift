import Configuration

/// PostgreSQL: the three roles' URLs and the pools.
struct DatabaseSettings: Sendable {
    /// As the application role: every tenant transaction.
    var url: String
    /// The system-scope role (jifen_system): tenants, API keys and the outbox across tenants.
    var systemURL: String
    /// The schema owner, for `jifen migrate`.
    var migrationURL: String
    var poolSize: Int
    var systemPoolSize: Int
    /// How long a transaction waits for a pooled connection (PostgreSQL away) before 503.
    var acquireTimeoutSeconds: Int
    var migrationsDirectory: String

    static func fromEnvironment(_ config: ConfigReader) throws -> DatabaseSettings {
        DatabaseSettings(
            url: config.string(
                forKey: "database.url",
                isSecret: true,
                default: "postgres://jifen_app:jifen_app@127.0.0.1:54329/jifen?sslmode=disable"
            ),
            systemURL: config.string(
                forKey: "system.database.url",
                isSecret: true,
                default: "postgres://jifen_system:jifen_system@127.0.0.1:54329/jifen?sslmode=disable"
            ),
            migrationURL: config.string(
                forKey: "migration.database.url",
                isSecret: true,
                default: "postgres://jifen_owner:jifen_owner@127.0.0.1:54329/jifen?sslmode=disable"
            ),
            poolSize: try config.integer("database.pool.size", "DATABASE_POOL_SIZE", default: 20, range: 1...500),
            systemPoolSize: try config.integer(
                "system.database.pool.size",
                "SYSTEM_DATABASE_POOL_SIZE",
                default: 4,
                range: 1...100
            ),
            acquireTimeoutSeconds: try config.integer(
                "database.acquire.timeout",
                "DATABASE_ACQUIRE_TIMEOUT",
                default: 5,
                range: 1...600
            ),
            migrationsDirectory: config.string(forKey: "migrations.dir", default: "migrations")
        )
    }
}
