import Configuration
import Foundation
import JifenRedis
import Logging

/// Every setting of every role, read from environment variables only, each with a default
/// that works with `deploy/local/services.sh`. The README's settings table mirrors this file.
struct Settings: Sendable {
    var databaseURL: String
    var migrationDatabaseURL: String
    var databasePoolSize: Int
    var redisURL: String
    var host: String
    var port: Int
    var operatorToken: String
    var logLevel: Logger.Level
    var logFormat: LogFormat
    var workerConcurrency: Int
    var migrationsDirectory: String
    var specificationPath: String

    enum LogFormat: String, Sendable { case text, json }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func fromEnvironment() throws -> Settings {
        let config = ConfigReader(
            provider: EnvironmentVariablesProvider(
                secretsSpecifier: .specific([
                    "DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "OPERATOR_TOKEN",
                ])
            )
        )
        let databaseURL = config.string(
            forKey: "database.url",
            isSecret: true,
            default: "postgres://jifen_app:jifen_app@127.0.0.1:54329/jifen?sslmode=disable"
        )
        let levelText = config.string(forKey: "log.level", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelText) else {
            throw Invalid(description: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = config.string(forKey: "log.format", default: "text").lowercased()
        guard let format = LogFormat(rawValue: formatText) else {
            throw Invalid(description: "LOG_FORMAT must be text or json")
        }
        return Settings(
            databaseURL: databaseURL,
            migrationDatabaseURL: config.string(
                forKey: "migration.database.url",
                isSecret: true,
                default: "postgres://jifen_owner:jifen_owner@127.0.0.1:54329/jifen?sslmode=disable"
            ),
            databasePoolSize: try integer(
                config,
                "database.pool.size",
                "DATABASE_POOL_SIZE",
                default: 20,
                range: 1...500
            ),
            redisURL: config.string(forKey: "redis.url", isSecret: true, default: "redis://127.0.0.1:63790/0"),
            host: config.string(forKey: "host", default: "127.0.0.1"),
            port: try integer(config, "port", "PORT", default: 8080, range: 1...65535),
            operatorToken: config.string(forKey: "operator.token", isSecret: true, default: ""),
            logLevel: level,
            logFormat: format,
            workerConcurrency: try integer(
                config,
                "worker.concurrency",
                "WORKER_CONCURRENCY",
                default: 4,
                range: 1...256
            ),
            migrationsDirectory: config.string(forKey: "migrations.dir", default: "migrations"),
            specificationPath: config.string(forKey: "openapi.spec", default: "openapi/openapi.yaml")
        )
    }

    /// A malformed number is a start-up error, never a silent default.
    private static func integer(
        _ config: ConfigReader,
        _ key: ConfigKey,
        _ name: String,
        default value: Int,
        range: ClosedRange<Int>
    ) throws -> Int {
        guard let text = config.string(forKey: key) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Invalid(
                description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'"
            )
        }
        return number
    }

    func redisConfiguration() throws -> RedisConfiguration {
        try RedisConfiguration(url: redisURL)
    }
}
