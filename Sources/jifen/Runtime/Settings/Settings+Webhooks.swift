import Configuration
import JifenPostgres
import JifenWorker
import Logging

/// Outgoing webhooks (`notify.dispatch` in `jifen work`).
struct WebhookSettings: Sendable {
    /// Endpoints on loopback and private addresses are refused unless this is set.
    var allowPrivate: Bool
    /// One tenant's webhook attempts running at once, across all workers: what a slow receiver
    /// can hold.
    var tenantConcurrency: Int

    static func fromEnvironment(_ config: ConfigReader) throws -> WebhookSettings {
        WebhookSettings(
            allowPrivate: config.flag("allow.private.webhooks"),
            tenantConcurrency: try config.integer(
                "webhook.tenant.concurrency",
                "WEBHOOK_TENANT_CONCURRENCY",
                default: 2,
                range: 1...10_000
            )
        )
    }
}

extension WebhookSettings {
    /// Webhook deliveries: each attempt makes its own HTTP client, pinned to the address it
    /// checked (AddressPolicy), without redirects.
    func dispatcher(database: Database, logger: Logger) -> WebhookDispatcher {
        WebhookDispatcher(database: database, addresses: AddressPolicy(allowPrivate: allowPrivate), logger: logger)
    }
}
