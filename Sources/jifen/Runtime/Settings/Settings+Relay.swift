import Configuration
import JifenCore
import JifenPostgres
import JifenRedis
import JifenWorker
import Logging

/// The outbox relay of `jifen work`.
struct RelaySettings: Sendable {
    /// The relay's next look at the outbox after a round that found rows (ms); 200 ms when empty.
    var busyPollMilliseconds: Int
    var retentionHours: Int

    static func fromEnvironment(_ config: ConfigReader) throws -> RelaySettings {
        RelaySettings(
            busyPollMilliseconds: try config.integer(
                "outbox.busy.poll.ms",
                "OUTBOX_BUSY_POLL_MS",
                default: 20,
                range: 1...200
            ),
            retentionHours: try config.integer(
                "outbox.retention.hours",
                "OUTBOX_RETENTION_HOURS",
                default: 168,
                range: 1...87_600
            )
        )
    }
}

extension RelaySettings {
    /// The relay from the outbox to `queue`, for the worker's `tenants` (all if `nil`).
    func relay(database: Database, queue: JobQueue, tenants: [TenantID]?, logger: Logger) -> OutboxRelay {
        OutboxRelay(
            store: OutboxStore(database: database),
            queue: queue,
            configuration: .init(
                busyPollInterval: .milliseconds(busyPollMilliseconds),
                retention: .seconds(retentionHours * 3600),
                tenants: tenants
            ),
            logger: logger
        )
    }
}
