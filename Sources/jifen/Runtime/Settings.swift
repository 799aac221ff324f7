import Configuration
import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import Logging

/// Every setting of every role, read from environment variables only, each with a default
/// that works with `deploy/local/services.sh`. The settings table of docs/operations.md mirrors this file.
struct Settings: Sendable {
    var databaseURL: String
    /// The system-scope role (jifen_system): tenants, API keys and the outbox across tenants.
    var systemDatabaseURL: String
    var migrationDatabaseURL: String
    var databasePoolSize: Int
    var systemDatabasePoolSize: Int
    /// How long a transaction waits for a pooled connection (PostgreSQL away) before 503.
    var databaseAcquireTimeoutSeconds: Int
    var redisURL: String
    var host: String
    var port: Int
    var operatorToken: String
    var logLevel: Logger.Level
    var logFormat: LogFormat
    var workerConcurrency: Int
    var workerTenants: [TenantID]?
    /// One tenant's interactive (and background) jobs running at once, across all workers.
    var jobTenantConcurrency: Int
    /// One tenant's webhook attempts running at once, across all workers: what a slow receiver
    /// can hold.
    var webhookTenantConcurrency: Int
    var jobQueue: String
    var jobMaxAttempts: Int
    var jobRetryBaseMilliseconds: Int
    var jobVisibilityTimeoutSeconds: Int
    /// The relay's next look at the outbox after a round that found rows (ms); 200 ms when empty.
    var outboxBusyPollMilliseconds: Int
    var outboxRetentionHours: Int
    /// Seconds between sweeps; 0 turns this worker's scheduler off.
    var schedulerInterval: Int
    var schedulerLeaseSeconds: Int
    /// Webhook endpoints on loopback and private addresses are refused unless this is set.
    var allowPrivateWebhooks: Bool
    var migrationsDirectory: String
    var specificationPath: String
    /// The worker's `/metrics` and `/health/live` port; 0 serves none. (The API serves its
    /// metrics on its own port.)
    var metricsPort: Int
    /// How long SIGTERM waits for in-flight requests (API) or jobs (worker) before cancelling.
    var drainSeconds: Int
    /// The rate limit of API keys whose tenant has none of its own.
    var defaultRateLimit: RateLimit
    /// Failed authentications per client address before 429: at once, then per minute.
    var authFailureBurst: Int
    var authFailuresPerMinute: Int
    /// Count failed authentications by the last `X-Forwarded-For` entry (behind a trusted proxy).
    var trustForwardedFor: Bool
    /// How long the API keeps an authenticated key in memory at most (`API_KEY_CACHE_SECONDS`;
    /// 0: never). Revocations reach it at once through PostgreSQL notifications; this is the bound.
    var keyCacheSeconds: Int
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
        var tenants: [TenantID]?
        if let list = config.string(forKey: "worker.tenants"), !list.trimmingCharacters(in: .whitespaces).isEmpty {
            tenants = try list.split(separator: ",").map { item in
                let text = item.trimmingCharacters(in: .whitespaces)
                guard let tenant = TenantID(text) else {
                    throw Invalid(
                        description: "WORKER_TENANTS must be comma-separated tenant ids; '\(text)' is not one"
                    )
                }
                return tenant
            }
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
        let queue = config.string(forKey: "job.queue", default: "jifen")
        guard !queue.isEmpty, queue.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else {
            throw Invalid(description: "JOB_QUEUE may contain only letters, digits and - _ . :")
        }
        return Settings(
            databaseURL: databaseURL,
            systemDatabaseURL: config.string(
                forKey: "system.database.url",
                isSecret: true,
                default: "postgres://jifen_system:jifen_system@127.0.0.1:54329/jifen?sslmode=disable"
            ),
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
            systemDatabasePoolSize: try integer(
                config,
                "system.database.pool.size",
                "SYSTEM_DATABASE_POOL_SIZE",
                default: 4,
                range: 1...100
            ),
            databaseAcquireTimeoutSeconds: try integer(
                config,
                "database.acquire.timeout",
                "DATABASE_ACQUIRE_TIMEOUT",
                default: 5,
                range: 1...600
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
            workerTenants: tenants,
            jobTenantConcurrency: try integer(
                config,
                "job.tenant.concurrency",
                "JOB_TENANT_CONCURRENCY",
                default: 8,
                range: 1...10_000
            ),
            webhookTenantConcurrency: try integer(
                config,
                "webhook.tenant.concurrency",
                "WEBHOOK_TENANT_CONCURRENCY",
                default: 2,
                range: 1...10_000
            ),
            jobQueue: queue,
            jobMaxAttempts: try integer(config, "job.max.attempts", "JOB_MAX_ATTEMPTS", default: 8, range: 1...100),
            jobRetryBaseMilliseconds: try integer(
                config,
                "job.retry.base.ms",
                "JOB_RETRY_BASE_MS",
                default: 1000,
                range: 1...3_600_000
            ),
            jobVisibilityTimeoutSeconds: try integer(
                config,
                "job.visibility.timeout",
                "JOB_VISIBILITY_TIMEOUT",
                default: 60,
                range: 1...86_400
            ),
            outboxBusyPollMilliseconds: try integer(
                config,
                "outbox.busy.poll.ms",
                "OUTBOX_BUSY_POLL_MS",
                default: 20,
                range: 1...200
            ),
            outboxRetentionHours: try integer(
                config,
                "outbox.retention.hours",
                "OUTBOX_RETENTION_HOURS",
                default: 168,
                range: 1...87_600
            ),
            schedulerInterval: try integer(
                config,
                "scheduler.interval",
                "SCHEDULER_INTERVAL",
                default: 60,
                range: 0...86_400
            ),
            schedulerLeaseSeconds: try integer(
                config,
                "scheduler.lease.seconds",
                "SCHEDULER_LEASE_SECONDS",
                default: 10,
                range: 1...3600
            ),
            allowPrivateWebhooks: ["1", "true", "yes"].contains(
                config.string(forKey: "allow.private.webhooks", default: "0").lowercased()
            ),
            migrationsDirectory: config.string(forKey: "migrations.dir", default: "migrations"),
            specificationPath: config.string(forKey: "openapi.spec", default: "openapi/openapi.yaml"),
            metricsPort: try integer(config, "metrics.port", "METRICS_PORT", default: 0, range: 0...65535),
            drainSeconds: try integer(config, "drain.seconds", "DRAIN_SECONDS", default: 20, range: 1...3600),
            defaultRateLimit: RateLimit(
                perSecond: try integer(
                    config,
                    "rate.limit.per.second",
                    "RATE_LIMIT_PER_SECOND",
                    default: 100,
                    range: RateLimit.perSecondRange
                ),
                burst: try integer(
                    config,
                    "rate.limit.burst",
                    "RATE_LIMIT_BURST",
                    default: 200,
                    range: RateLimit.burstRange
                )
            ),
            authFailureBurst: try integer(
                config,
                "auth.failure.burst",
                "AUTH_FAILURE_BURST",
                default: 20,
                range: 1...1_000_000
            ),
            authFailuresPerMinute: try integer(
                config,
                "auth.failures.per.minute",
                "AUTH_FAILURES_PER_MINUTE",
                default: 60,
                range: 1...1_000_000
            ),
            trustForwardedFor: ["1", "true", "yes"].contains(
                config.string(forKey: "trust.forwarded.for", default: "0").lowercased()
            ),
            keyCacheSeconds: try integer(
                config,
                "api.key.cache.seconds",
                "API_KEY_CACHE_SECONDS",
                default: 60,
                range: 0...3600
            ),
            production: production,
            secrets: secrets
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

    var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: jobMaxAttempts, baseDelay: .milliseconds(jobRetryBaseMilliseconds))
    }
}
