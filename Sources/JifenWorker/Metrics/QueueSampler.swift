import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import Logging
import ServiceLifecycle

/// Samples what no single job sees — the queue's depth by state and the outbox's lag — into
/// gauges every few seconds. Every worker samples the same shared numbers; dashboards take
/// the `max` across workers.
public struct QueueSampler: Service {
    let queue: JobQueue
    let outbox: OutboxStore
    let interval: Duration
    let logger: Logger

    public init(queue: JobQueue, outbox: OutboxStore, interval: Duration = .seconds(5), logger: Logger) {
        self.queue = queue
        self.outbox = outbox
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await sample()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func sample() async {
        do {
            let stats = try await queue.stats()
            WorkerMetrics.queue(
                queue.keys.name,
                QueueStatsSample(states: [
                    ("ready", stats.ready), ("in_flight", stats.inFlight), ("delayed", stats.delayed),
                    ("dead", stats.dead),
                ])
            )
            for lane in JobLane.allCases {
                let sample = stats.lane(lane)
                WorkerMetrics.lane(queue.keys.name, lane, ready: sample.ready, oldest: sample.oldestAge ?? .zero)
            }
        } catch {
            logger.debug("queue sample failed", metadata: ["error": "\(error)"])
        }
        do {
            let backlog = try await outbox.backlog()
            WorkerMetrics.outboxBacklog.record(backlog.count)
            let age = backlog.oldestAge ?? .zero
            WorkerMetrics.outboxLag.record(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)
        } catch {
            logger.debug("outbox sample failed", metadata: ["error": "\(error)"])
        }
    }
}
