import Foundation
import JifenCore
import JifenRedis

/// How a worker consumes the queue.
public struct JobRunnerConfiguration: Sendable {
    /// Jobs run at once (`WORKER_CONCURRENCY`).
    public var concurrency: Int
    public var retry: RetryPolicy
    /// A job held this long without an acknowledgement is given to another worker
    /// (`JOB_VISIBILITY_TIMEOUT`). Longer than any job should take.
    public var visibilityTimeout: Duration
    /// How often due retries are promoted and stale jobs reclaimed.
    public var maintenanceInterval: Duration
    /// This worker's name in its logs; unique per process.
    public var consumer: String
    /// Each lane's share of this worker's slots, and how many of one tenant's jobs in the lane
    /// run at once across all workers.
    public var lanes: [JobLane: LaneLimits]
    /// Every this many takes the background lane is served first, so it progresses while the
    /// interactive lanes are busy (at least one job in this many, when both have work).
    public var backgroundTurn: Int

    public struct LaneLimits: Sendable, Hashable {
        /// Of this worker's slots, at most this many run the lane's jobs at once.
        public var workerSlots: Int
        /// Of one tenant's jobs in the lane, at most this many run at once, across all workers.
        public var tenantCap: Int

        public init(workerSlots: Int, tenantCap: Int) {
            self.workerSlots = workerSlots
            self.tenantCap = tenantCap
        }
    }

    /// The interactive lane may use every slot; webhooks and background half of them (at least
    /// one), so neither can hold all slots while orders wait. A tenant runs at most
    /// `tenantConcurrency` interactive and background jobs, and `webhookTenantConcurrency`
    /// webhook attempts, at once: a slow receiver holds that many slots, no more.
    public static func defaultLanes(
        concurrency: Int,
        tenantConcurrency: Int = 8,
        webhookTenantConcurrency: Int = 2
    ) -> [JobLane: LaneLimits] {
        let half = max(1, concurrency / 2)
        return [
            .interactive: LaneLimits(workerSlots: concurrency, tenantCap: tenantConcurrency),
            .webhooks: LaneLimits(workerSlots: half, tenantCap: webhookTenantConcurrency),
            .background: LaneLimits(workerSlots: half, tenantCap: tenantConcurrency),
        ]
    }

    /// What to ask the queue for with `running` jobs per lane, on the `turn`-th take.
    func requests(running: [JobLane: Int], turn: Int) -> [JobQueue.LaneRequest] {
        var order: [JobLane] = [.interactive, .webhooks, .background]
        if backgroundTurn > 0, turn % backgroundTurn == 0 { order = [.background, .interactive, .webhooks] }
        return order.map { lane in
            let limits = lanes[lane] ?? LaneLimits(workerSlots: concurrency, tenantCap: .max)
            return JobQueue.LaneRequest(
                lane: lane,
                count: max(0, limits.workerSlots - running[lane, default: 0]),
                tenantCap: limits.tenantCap
            )
        }
    }

    public init(
        concurrency: Int = 4,
        retry: RetryPolicy = RetryPolicy(),
        visibilityTimeout: Duration = .seconds(60),
        maintenanceInterval: Duration = .milliseconds(500),
        consumer: String = JobRunnerConfiguration.uniqueConsumerName(),
        lanes: [JobLane: LaneLimits]? = nil,
        backgroundTurn: Int = 4
    ) {
        self.concurrency = concurrency
        self.retry = retry
        self.visibilityTimeout = visibilityTimeout
        self.maintenanceInterval = maintenanceInterval
        self.consumer = consumer
        self.lanes = lanes ?? Self.defaultLanes(concurrency: concurrency)
        self.backgroundTurn = backgroundTurn
    }

    /// `host-pid-random`: never reused by a restarted process.
    public static func uniqueConsumerName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
