import JifenCore
import JifenPostgres
import JifenRedis
import Logging
import ServiceLifecycle

/// Moves outbox rows to the job queue (docs/architecture.md, A paid order). Safe with any number of workers (rows are
/// claimed with `SKIP LOCKED`); while Redis is down rows stay in PostgreSQL and nothing is
/// lost. Relayed rows are pruned after `retention`.
public struct OutboxRelay: Service {
    public struct Configuration: Sendable {
        public var batchSize: Int
        /// Rows of one tenant per round: a tenant's backlog is relayed beside the others' new
        /// rows, not before them.
        public var perTenant: Int
        /// Sleep when the outbox is empty. A round that may have left rows behind (a tenant
        /// reached `perTenant`) is followed at once by the next.
        public var pollInterval: Duration
        /// Sleep after a round that found some rows, but no full share: orders are arriving, so
        /// the next one is likely soon. Most of an order's wait for its points is this poll.
        public var busyPollInterval: Duration
        public var retention: Duration
        /// Relay only these tenants' rows (`WORKER_TENANTS`); `nil`: all.
        public var tenants: [TenantID]?

        public init(
            batchSize: Int = 500,
            perTenant: Int = 100,
            pollInterval: Duration = .milliseconds(200),
            busyPollInterval: Duration = .milliseconds(20),
            retention: Duration = .seconds(7 * 24 * 3600),
            tenants: [TenantID]? = nil
        ) {
            self.batchSize = batchSize
            self.perTenant = perTenant
            self.pollInterval = pollInterval
            self.busyPollInterval = min(busyPollInterval, pollInterval)
            self.retention = retention
            self.tenants = tenants
        }
    }

    let store: OutboxStore
    let queue: JobQueue
    let configuration: Configuration
    let logger: Logger

    public init(store: OutboxStore, queue: JobQueue, configuration: Configuration = .init(), logger: Logger) {
        self.store = store
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
    }

    /// A relay round that has not finished by then is abandoned and a new one started (see
    /// ``abandoning(after:_:)``); a round normally takes milliseconds.
    static let stallTimeout: Duration = .seconds(30)

    public func run() async throws {
        // Relaying is safe to interrupt anywhere: an unfinished batch rolls back.
        await cancelWhenGracefulShutdown {
            var failures = 0
            var lastPrune = ContinuousClock.now
            while !Task.isCancelled {
                do {
                    let (store, queue, configuration) = (store, queue, configuration)
                    let sent = try await abandoning(after: Self.stallTimeout) {
                        try await store.relay(
                            batch: configuration.batchSize,
                            perTenant: configuration.perTenant,
                            tenants: configuration.tenants
                        ) {
                            try await queue.enqueue($0)
                        }
                    }
                    if failures > 0 { logger.info("outbox relay recovered") }
                    failures = 0
                    if ContinuousClock.now - lastPrune > .seconds(3600) {
                        lastPrune = .now
                        let pruned = try await store.prune(olderThan: configuration.retention)
                        if pruned > 0 { logger.info("pruned relayed outbox rows", metadata: ["count": "\(pruned)"]) }
                    }
                    if sent == 0 {
                        try? await Task.sleep(for: configuration.pollInterval)
                    } else if sent < configuration.perTenant {
                        try? await Task.sleep(for: configuration.busyPollInterval)
                    }
                } catch {
                    failures += 1
                    if failures == 1 || failures % 30 == 0 {
                        logger.warning("outbox relay failing; rows wait in PostgreSQL", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .reconnectDelay(afterFailures: failures))
                }
            }
        }
    }
}
