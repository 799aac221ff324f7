import JifenCore
import JifenPostgres
import JifenRedis
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Tracing

/// Consumes the job queue with up to `concurrency` jobs at once, lane by lane
/// (``JobRunnerConfiguration/lanes``): interactive work first, the background lane served first
/// on every few takes so it still progresses, each lane within its share of the slots.
///
/// It takes only as many jobs as it has free slots, so every job it holds is running. On
/// graceful shutdown (SIGTERM) it stops reading, lets the running jobs finish and be
/// acknowledged, and returns: nothing it had not started was ever taken from the queue.
public struct JobRunner: Service {
    let queue: JobQueue
    let handlers: [JobKind: any JobHandler]
    let configuration: JobRunnerConfiguration
    let logger: Logger

    public init(queue: JobQueue, handlers: [any JobHandler], configuration: JobRunnerConfiguration, logger: Logger) {
        self.queue = queue
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "consumer"] = "\(configuration.consumer)"
        self.logger = logger
    }

    public func run() async throws {
        let stopping = NIOLockedValueBox(false)
        await withGracefulShutdownHandler {
            await consume(until: { stopping.withLockedValue { $0 } })
        } onGracefulShutdown: {
            stopping.withLockedValue { $0 = true }
        }
        logger.info("job runner drained and stopped")
    }

    private func consume(until stopping: @escaping @Sendable () -> Bool) async {
        let running = NIOLockedValueBox([JobLane: Int]())
        var failures = 0
        var takes = 0
        var lastMaintenance = ContinuousClock.now - configuration.maintenanceInterval
        var adopted = false
        await withTaskGroup(of: Void.self) { group in
            while !stopping() && !Task.isCancelled {
                let busy = running.withLockedValue { $0 }
                let free = configuration.concurrency - busy.values.reduce(0, +)
                let requests = configuration.requests(running: busy, turn: takes)
                if free <= 0 || requests.allSatisfy({ $0.count <= 0 }) {
                    // Full, or every lane with room is at its share: wait for one job to end
                    // (its slot is released in the task itself). Nothing running (lanes given no
                    // slots at all): pause instead of spinning.
                    if await group.next() == nil { try? await Task.sleep(for: configuration.maintenanceInterval) }
                    continue
                }
                do {
                    if !adopted {
                        // Upgraded from a queue before lanes: its jobs move into the lanes.
                        let moved = try await queue.adoptLegacyStream()
                        if moved > 0 {
                            logger.notice("moved the old stream's jobs into lanes", metadata: ["count": "\(moved)"])
                        }
                        adopted = true
                    }
                    var deliveries: [Delivery] = []
                    if ContinuousClock.now - lastMaintenance >= configuration.maintenanceInterval {
                        lastMaintenance = .now
                        try await queue.promoteDue()
                        deliveries = try await queue.reclaim(minIdle: configuration.visibilityTimeout, count: free)
                        if !deliveries.isEmpty {
                            logger.notice("reclaimed stale jobs", metadata: ["count": "\(deliveries.count)"])
                        }
                    }
                    if deliveries.isEmpty {
                        takes &+= 1
                        // Block no longer than the next maintenance is due, so retries whose time
                        // has come are promoted promptly even while the queue is idle.
                        deliveries = try await queue.take(
                            requests,
                            limit: free,
                            block: min(configuration.maintenanceInterval, .seconds(1))
                        )
                    }
                    if failures > 0 { logger.info("queue reachable again") }
                    failures = 0
                    for delivery in deliveries {
                        let lane = delivery.lane ?? .background
                        running.withLockedValue { $0[lane, default: 0] += 1 }
                        group.addTask {
                            await process(delivery)
                            running.withLockedValue { $0[lane, default: 1] -= 1 }
                        }
                    }
                } catch {
                    failures += 1
                    if failures == 1 || failures % 30 == 0 {
                        logger.warning(
                            "queue unreachable; retrying",
                            metadata: ["error": "\(error)", "failures": "\(failures)"]
                        )
                    }
                    try? await Task.sleep(for: .reconnectDelay(afterFailures: failures))
                }
            }
            // Drain: the jobs already taken run to the end.
            await group.waitForAll()
        }
    }

    /// Runs one job and settles it: acknowledged on success, retried with backoff on failure,
    /// buried after its last attempt. A failure to settle (Redis gone) leaves the job pending,
    /// so it is reclaimed after the visibility timeout and runs again — harmless, handlers
    /// being idempotent.
    func process(_ delivery: Delivery) async {
        guard let job = delivery.job else {
            logger.error("undecodable job buried", metadata: ["entry": "\(delivery.entryID)"])
            try? await queue.bury(delivery, error: "undecodable job")
            return
        }
        var logger = logger
        logger[metadataKey: "job_id"] = "\(job.id)"
        logger[metadataKey: "job_kind"] = "\(job.kind)"
        if let tenant = job.tenant { logger[metadataKey: "tenant_id"] = "\(tenant)" }
        let start = ContinuousClock.now
        do {
            guard let handler = handlers[job.kind] else {
                // Maybe a newer worker knows it (a rolling deploy): retry rather than bury.
                throw UnknownJobKind(kind: job.kind)
            }
            var scope = ["job_id": "\(job.id)", "job_kind": job.kind.name]
            if let tenant = job.tenant { scope["tenant_id"] = "\(tenant)" }
            // The job's span continues the trace of whatever queued it (a paid order's request),
            // carried as `traceparent` through the outbox row and the job (TraceParent).
            try await withSpan(job.kind.name, context: TraceParent.context(job.traceParent), ofKind: .consumer) {
                span in
                span.attributes["jifen.job.id"] = job.id
                span.attributes["jifen.job.attempt"] = job.attempt
                if let tenant = job.tenant { span.attributes["jifen.tenant_id"] = tenant.description }
                try await LogScope.with(scope) { try await handler.handle(job) }
            }
            try await queue.ack(delivery)
            WorkerMetrics.job(job.kind.name, .succeeded, after: .now - start)
            logger.debug("job done", metadata: ["ms": "\((ContinuousClock.now - start).milliseconds)"])
        } catch let error as PermanentJobFailure {
            WorkerMetrics.job(job.kind.name, .dead, after: .now - start)
            logger.error("job failed permanently", metadata: ["error": "\(error)"])
            try? await queue.bury(delivery, error: error.description)
        } catch {
            // Kinds this worker does not know are counted as `unknown`: any string could
            // arrive from Redis, and each would become a series.
            let kind = handlers[job.kind] == nil ? "unknown" : job.kind.name
            let retried = await settleFailure(delivery, job: job, error: error, logger: logger)
            WorkerMetrics.job(kind, retried ? .retried : .dead, after: .now - start)
        }
    }

    /// Retries the job or buries it; `true` when a retry was scheduled.
    private func settleFailure(_ delivery: Delivery, job: Job, error: any Error, logger: Logger) async -> Bool {
        let reason = String(describing: error)
        if let delay = configuration.retry.delay(afterFailedAttempt: job.attempt) {
            var next = job
            next.attempt += 1
            logger.warning(
                "job failed; will retry",
                metadata: [
                    "error": "\(reason)", "attempt": "\(job.attempt + 1)",
                    "retry_in_ms":
                        "\(delay.milliseconds)",
                ]
            )
            do { try await queue.retry(delivery, as: next, after: delay) } catch {
                logger.warning("could not schedule retry; the job will be reclaimed", metadata: ["error": "\(error)"])
            }
            return true
        } else {
            logger.error(
                "job failed its last attempt; dead",
                metadata: ["error": "\(reason)", "attempts": "\(job.attempt + 1)"]
            )
            do { try await queue.bury(delivery, error: reason) } catch {
                logger.warning("could not bury the job; it will be reclaimed", metadata: ["error": "\(error)"])
            }
            return false
        }
    }
}

struct UnknownJobKind: Error, CustomStringConvertible {
    var kind: JobKind
    var description: String { "no handler for job kind '\(kind)'" }
}
