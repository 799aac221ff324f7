import Configuration
import Foundation
import JifenCore
import JifenWorker

/// The job runner of `jifen work`: how many jobs at once, for which tenants, and retries.
struct RunnerSettings: Sendable {
    var concurrency: Int
    /// Only these tenants' outbox rows and sweeps (`WORKER_TENANTS`); `nil`: all.
    var tenants: [TenantID]?
    /// One tenant's interactive (and background) jobs running at once, across all workers.
    var tenantConcurrency: Int
    var maxAttempts: Int
    var retryBaseMilliseconds: Int
    var visibilityTimeoutSeconds: Int

    static func fromEnvironment(_ config: ConfigReader) throws -> RunnerSettings {
        var tenants: [TenantID]?
        if let list = config.string(forKey: "worker.tenants"), !list.trimmingCharacters(in: .whitespaces).isEmpty {
            tenants = try list.split(separator: ",").map { item in
                let text = item.trimmingCharacters(in: .whitespaces)
                guard let tenant = TenantID(text) else {
                    throw Settings.Invalid(
                        description: "WORKER_TENANTS must be comma-separated tenant ids; '\(text)' is not one"
                    )
                }
                return tenant
            }
        }
        return RunnerSettings(
            concurrency: try config.integer("worker.concurrency", "WORKER_CONCURRENCY", default: 4, range: 1...256),
            tenants: tenants,
            tenantConcurrency: try config.integer(
                "job.tenant.concurrency",
                "JOB_TENANT_CONCURRENCY",
                default: 8,
                range: 1...10_000
            ),
            maxAttempts: try config.integer("job.max.attempts", "JOB_MAX_ATTEMPTS", default: 8, range: 1...100),
            retryBaseMilliseconds: try config.integer(
                "job.retry.base.ms",
                "JOB_RETRY_BASE_MS",
                default: 1000,
                range: 1...3_600_000
            ),
            visibilityTimeoutSeconds: try config.integer(
                "job.visibility.timeout",
                "JOB_VISIBILITY_TIMEOUT",
                default: 60,
                range: 1...86_400
            )
        )
    }

    var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(retryBaseMilliseconds))
    }

    /// The runner's configuration; the webhook lane's per-tenant share comes from `webhooks`.
    func configuration(webhooks: WebhookSettings) -> JobRunnerConfiguration {
        JobRunnerConfiguration(
            concurrency: concurrency,
            retry: retryPolicy,
            visibilityTimeout: .seconds(visibilityTimeoutSeconds),
            lanes: JobRunnerConfiguration.defaultLanes(
                concurrency: concurrency,
                tenantConcurrency: tenantConcurrency,
                webhookTenantConcurrency: webhooks.tenantConcurrency
            )
        )
    }
}
