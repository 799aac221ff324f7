import Configuration
import Foundation
import JifenConsole
import JifenCore
import JifenPostgres
import Logging

/// Every setting of every role, read from environment variables only, each with a default
/// that works with `deploy/local/services.sh`. Each component reads its own in a file of this
/// folder (`Settings+Database.swift`, `+Redis`, `+Relay`, `+Scheduler`, `+Runner`, `+Webhooks`,
/// `+API`); this file keeps what the whole process shares. The settings table of
/// docs/operations.md mirrors this folder.
struct Settings: Sendable {
    var database: DatabaseSettings
    var redis: RedisSettings
    var relay: RelaySettings
    var scheduler: SchedulerSettings
    var runner: RunnerSettings
    var webhooks: WebhookSettings
    var api: APISettings
    var console: ConsoleConfiguration

    /// The address the API listens on, and the worker's probes.
    var host: String
    var logLevel: Logger.Level
    var logFormat: LogFormat
    /// The worker's `/metrics` and `/health/live` port; 0 serves none. (The API serves its
    /// metrics on its own port.)
    var metricsPort: Int
    /// How long SIGTERM waits for in-flight requests (API) or jobs (worker) before cancelling.
    var drainSeconds: Int
    /// `JIFEN_ENV=production`: settings that are only safe for a laptop are refused.
    var production: Bool
    /// Seals the webhook secrets at rest (`SECRETS_KEY`, `SECRETS_KEY_ID`, `SECRETS_PREVIOUS_KEYS`).
    var secrets: SecretBox

    enum LogFormat: String, Sendable { case text, json }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func fromEnvironment() throws -> Settings {
        let config = ConfigReader(
            provider: EnvironmentVariablesProvider(
                secretsSpecifier: .specific([
                    "DATABASE_URL", "SYSTEM_DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "OPERATOR_TOKEN",
                    "SECRETS_KEY",
                    "SECRETS_PREVIOUS_KEYS",
                ])
            )
        )
        let levelText = config.string(forKey: "log.level", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelText) else {
            throw Invalid(description: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = config.string(forKey: "log.format", default: "text").lowercased()
        guard let format = LogFormat(rawValue: formatText) else {
            throw Invalid(description: "LOG_FORMAT must be text or json")
        }
        let environment = config.string(forKey: "jifen.env", default: "development").lowercased()
        guard environment == "development" || environment == "production" else {
            throw Invalid(description: "JIFEN_ENV must be development or production, not '\(environment)'")
        }
        let production = environment == "production"
        let secrets: SecretBox
        do throws(JifenError) {
            secrets = try SecretBox.configured(
                key: config.string(forKey: "secrets.key", isSecret: true),
                keyID: config.string(forKey: "secrets.key.id"),
                previousKeys: config.string(forKey: "secrets.previous.keys", isSecret: true),
                production: production
            )
        } catch {
            throw Invalid(description: error.detail)
        }
        return Settings(
            database: try .fromEnvironment(config),
            redis: try .fromEnvironment(config),
            relay: try .fromEnvironment(config),
            scheduler: try .fromEnvironment(config),
            runner: try .fromEnvironment(config),
            webhooks: try .fromEnvironment(config),
            api: try .fromEnvironment(config),
            console: try .fromEnvironment(config, trustForwardedFor: config.flag("trust.forwarded.for")),
            host: config.string(forKey: "host", default: "127.0.0.1"),
            logLevel: level,
            logFormat: format,
            metricsPort: try config.integer("metrics.port", "METRICS_PORT", default: 0, range: 0...65535),
            drainSeconds: try config.integer("drain.seconds", "DRAIN_SECONDS", default: 20, range: 1...3600),
            production: production,
            secrets: secrets
        )
    }
}

extension ConfigReader {
    /// A malformed number is a start-up error, never a silent default.
    func integer(_ key: ConfigKey, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(forKey: key) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Settings.Invalid(
                description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'"
            )
        }
        return number
    }

    /// `1`, `true` or `yes` (any case); anything else, or nothing, is off.
    func flag(_ key: ConfigKey) -> Bool {
        ["1", "true", "yes"].contains(string(forKey: key, default: "0").lowercased())
    }
}
