import Configuration
import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenWorker
import Logging

/// The periodic sweeps of `jifen work`, run by whichever worker holds the lease.
struct SchedulerSettings: Sendable {
    /// Seconds between sweeps; 0 turns this worker's scheduler off.
    var interval: Int
    var leaseSeconds: Int

    static func fromEnvironment(_ config: ConfigReader) throws -> SchedulerSettings {
        SchedulerSettings(
            interval: try config.integer("scheduler.interval", "SCHEDULER_INTERVAL", default: 60, range: 0...86_400),
            leaseSeconds: try config.integer(
                "scheduler.lease.seconds",
                "SCHEDULER_LEASE_SECONDS",
                default: 10,
                range: 1...3600
            )
        )
    }
}

extension SchedulerSettings {
    /// The scheduler for the worker's `tenants` (all if `nil`), or `nil` when this worker runs
    /// none (`SCHEDULER_INTERVAL=0`).
    func scheduler(connections: Connections, queue: JobQueue, tenants: [TenantID]?, logger: Logger) -> Scheduler? {
        guard interval > 0 else { return nil }
        let schedule = Scheduler.Configuration(
            interval: .seconds(interval),
            leaseTTL: .seconds(leaseSeconds),
            tenants: tenants
        )
        return Scheduler(
            lease: Lease(
                redis: connections.redis,
                key: schedule.leaseKey(connections.queueKeys),
                holder: "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))",
                ttl: .seconds(leaseSeconds)
            ),
            queue: queue,
            tenants: TenantStore(database: connections.database),
            configuration: schedule,
            logger: logger
        )
    }
}
