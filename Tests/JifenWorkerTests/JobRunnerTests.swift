import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import NIOConcurrencyHelpers
import Testing

@testable import JifenWorker

@Suite struct JobRunnerTests {
    @Test func anOrderIsScoredThroughTheOutboxAndTheQueue() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let (order, _) = try await servers.database.withTenant(tenant.id) {
            try await $0.recordOrder(try paidOrder("o-1"))
        }
        let queue = makeQueue()
        let relay = OutboxRelay(
            store: OutboxStore(database: servers.database),
            queue: queue,
            configuration: .init(pollInterval: .milliseconds(20), tenants: [tenant.id]),
            logger: servers.logger
        )
        let runner = JobRunner(
            queue: queue,
            // Every handler a worker has: the relay sends all of the tenant's jobs (events too).
            handlers: PointsHandlers.all(database: servers.database, logger: servers.logger),
            configuration: testRunnerConfiguration(),
            logger: servers.logger
        )
        let (scored, settled) = try await withServices([relay, runner]) {
            let scored = try await eventually {
                try await servers.database.withTenant(tenant.id) { try await $0.orderPoints(order.id) }.state
                    == .available
            }
            // The job is acknowledged just after its transaction commits, and the event's
            // `events.fanout` job (no handler here: it waits as a retry) may still be on its way
            // through the relay: wait for the queue to settle rather than catch it in between.
            let settled = try await eventually(timeout: .seconds(20)) {
                let stats = try await queue.stats()
                return stats.ready == 0 && stats.inFlight == 0
            }
            return (scored, settled)
        }
        #expect(scored)
        #expect(settled, "jobs left ready or in flight")
        let (points, balance) = try await servers.database.withTenant(tenant.id) { connection in
            let member = try await connection.member(try ExternalID("m-1"))
            return (try await connection.orderPoints(order.id), member?.balance)
        }
        #expect(points.earned == 259)
        #expect(balance?.available == 259)
        #expect(balance?.lifetimeEarned == 259)
        #expect(try await outboxRows(tenant.id, kind: .scoreOrder) == 1)
        #expect(try await queue.stats().dead == 0)
    }

    @Test func theSameJobEnqueuedTwiceIsOneLedgerEntry() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let (order, _) = try await servers.database.withTenant(tenant.id) {
            try await $0.recordOrder(try paidOrder("o-1"))
        }
        let queue = makeQueue()
        let job = Job(
            id: "by-hand",
            kind: .scoreOrder,
            tenant: tenant.id,
            payload: #"{"order_id":"\#(order.id.uuidString)"}"#
        )
        try await queue.enqueue(job)
        try await queue.enqueue(job)
        let runner = JobRunner(
            queue: queue,
            // Every handler a worker has: the relay sends all of the tenant's jobs (events too).
            handlers: PointsHandlers.all(database: servers.database, logger: servers.logger),
            configuration: testRunnerConfiguration(),
            logger: servers.logger
        )
        let drained = try await withServices([runner]) {
            // A generous deadline: on a loaded machine two jobs that serialise on one order's
            // lock can take a while; the condition is polled, so a fast run is not slowed.
            try await eventually(timeout: .seconds(45)) {
                let stats = try await queue.stats()
                return stats.ready == 0 && stats.inFlight == 0
            }
        }
        #expect(drained)
        #expect(try await earnEntries(tenant.id) == 1)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant.id])
        #expect(audit.violations.isEmpty)
        #expect(audit.members == 1)
    }

    /// Two jobs for one order at once (Shopify's create and paid topics relayed together): the
    /// one that waited for the other's lock finds the order scored and does nothing. It must not
    /// fail on the duplicate `earn` entry and be retried.
    @Test func twoJobsForOneOrderAtOnceAreOneAwardAndNoFailure() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        var orders: [UUID] = []
        for index in 0..<20 {
            let (order, _) = try await servers.database.withTenant(tenant.id) {
                try await $0.recordOrder(try paidOrder("o-\(index)", member: "m-\(index % 3)"))
            }
            orders.append(order.id)
        }
        let handler = ScoreOrderHandler(database: servers.database, logger: servers.logger)
        let failures = NIOLockedValueBox<[String]>([])
        await withTaskGroup(of: Void.self) { group in
            for order in orders {
                let job = Job(
                    id: "twice-\(order)",
                    kind: .scoreOrder,
                    tenant: tenant.id,
                    payload: #"{"order_id":"\#(order.uuidString)"}"#
                )
                for _ in 0..<2 {
                    group.addTask {
                        do { try await handler.handle(job) } catch {
                            failures.withLockedValue { $0.append("\(error)") }
                        }
                    }
                }
            }
        }
        #expect(failures.withLockedValue { $0 }.isEmpty)
        #expect(try await earnEntries(tenant.id) == 20)
    }

    @Test func aFailingJobIsRetriedWithGrowingDelaysUntilItSucceeds() async throws {
        let servers = try await TestServers.shared.ready()
        let queue = makeQueue()
        let handler = ScriptedHandler(failures: 2)
        let runner = JobRunner(
            queue: queue,
            handlers: [handler],
            configuration: testRunnerConfiguration(),
            logger: servers.logger
        )
        try await queue.enqueue(Job(id: "flaky", kind: handler.kind, tenant: nil, payload: "{}"))
        let done = try await withServices([runner]) {
            try await eventually {
                let stats = try await queue.stats()
                return handler.runs.count == 3 && stats.ready == 0 && stats.inFlight == 0 && stats.delayed == 0
            }
        }
        #expect(done)
        let runs = handler.runs
        try #require(runs.count == 3)
        // Equal jitter with a 100 ms base: the first retry waits 50–100 ms, the second 100–200 ms.
        #expect(runs[1] - runs[0] >= .milliseconds(50))
        #expect(runs[2] - runs[1] >= .milliseconds(100))
        #expect(try await queue.stats().dead == 0)
    }

    @Test func aJobThatAlwaysFailsEndsDeadAndCanBeRetried() async throws {
        let servers = try await TestServers.shared.ready()
        let queue = makeQueue()
        let handler = ScriptedHandler(failures: .max)
        let runner = JobRunner(
            queue: queue,
            handlers: [handler],
            configuration: testRunnerConfiguration(maxAttempts: 3),
            logger: servers.logger
        )
        try await queue.enqueue(Job(id: "doomed", kind: handler.kind, tenant: nil, payload: "{}"))
        try await withServices([runner]) { () async throws in
            // Three runs with backoff in between: a generous deadline, the machine may be busy.
            #expect(try await eventually(timeout: .seconds(60)) { try await queue.stats().dead == 1 })
            #expect(handler.runs.count == 3)
            let dead = try #require(try await queue.deadJobs().first)
            #expect(dead.job?.id == "doomed")
            #expect(dead.job?.attempt == 2)
            #expect(dead.error.contains("scripted failure"))

            // The operator fixes the cause, then retries it (`jifen jobs dead retry ID`).
            handler.setFailures(0)
            #expect(try await queue.retryDead(dead.entryID))
            #expect(try await eventually { handler.runs.count == 4 })
            #expect(try await eventually { try await queue.stats().total == 0 })
            #expect(try await queue.retryDead(dead.entryID) == false)
        }
    }

    @Test func jobsOfADeadConsumerAreReclaimedAfterTheVisibilityTimeout() async throws {
        let servers = try await TestServers.shared.ready()
        let queue = makeQueue()
        let handler = ScriptedHandler(failures: 0)
        try await queue.enqueue(Job(id: "orphan", kind: handler.kind, tenant: nil, payload: "{}"))
        // A consumer takes the job and dies without acknowledging it.
        let taken = try await queue.read(count: 10, block: .milliseconds(100))
        #expect(taken.count == 1)
        #expect(try await queue.stats().inFlight == 1)

        let runner = JobRunner(
            queue: queue,
            handlers: [handler],
            configuration: testRunnerConfiguration(visibility: .milliseconds(300)),
            logger: servers.logger
        )
        let reclaimed = try await withServices([runner]) {
            // Polled; the long deadline only matters on a machine busy with other suites.
            try await eventually(timeout: .seconds(45)) {
                let stats = try await queue.stats()
                return handler.runs.count == 1 && stats.inFlight == 0
            }
        }
        #expect(reclaimed)
    }

    @Test func gracefulShutdownFinishesTheRunningJobAndTakesNoMore() async throws {
        let servers = try await TestServers.shared.ready()
        let queue = makeQueue()
        let handler = ScriptedHandler(failures: 0, delay: .milliseconds(400))
        var configuration = testRunnerConfiguration()
        configuration.concurrency = 1
        let runner = JobRunner(queue: queue, handlers: [handler], configuration: configuration, logger: servers.logger)
        for index in 0..<3 {
            try await queue.enqueue(Job(id: "slow-\(index)", kind: handler.kind, tenant: nil, payload: "{}"))
        }
        let started = try await withServices([runner]) {
            // Return (and so shut down) as soon as the first job is running.
            try await eventually { handler.runs.count == 1 }
        }
        #expect(started)
        let stats = try await queue.stats()
        #expect(handler.runs.count == 1)
        #expect(stats.inFlight == 0, "the running job was not acknowledged before exit")
        #expect(stats.ready == 2, "jobs not started must stay for other workers")
    }
}

@Suite struct OutboxReplayTests {
    /// Redis lost its data after jobs were relayed: replaying the outbox rebuilds the queue, and
    /// the jobs that had already run change nothing.
    @Test func replayingTheOutboxRebuildsALostQueueWithoutDoubleCounting() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let start = Date().addingTimeInterval(-1)
        let (order, _) = try await servers.database.withTenant(tenant.id) {
            try await $0.recordOrder(try paidOrder("o-1"))
        }
        let store = OutboxStore(database: servers.database)
        let lost = makeQueue()
        #expect(try await store.relay(batch: 10, tenants: [tenant.id]) { try await lost.enqueue($0) } == 1)
        // The order is scored from the first queue…
        let first = try await lost.read(count: 10, block: .milliseconds(10))
        try await ScoreOrderHandler(database: servers.database, logger: servers.logger).handle(
            try #require(first.first?.job)
        )
        // …then that Redis is gone: a new, empty queue takes its place.
        let fresh = makeQueue()
        #expect(try await store.replay(since: start, tenants: [tenant.id]) == 1)
        // The score job again, and the fan-out job its points.earned event asked for.
        #expect(try await store.relay(batch: 10, tenants: [tenant.id]) { try await fresh.enqueue($0) } == 2)
        let again = try await fresh.read(count: 10, block: .milliseconds(10))
        #expect(again.compactMap(\.job?.kind.name).sorted() == [JobKind.fanOutEvents.name, JobKind.scoreOrder.name])
        try await ScoreOrderHandler(database: servers.database, logger: servers.logger).handle(
            try #require(again.first { $0.job?.kind == .scoreOrder }?.job)
        )
        #expect(try await earnEntries(tenant.id) == 1)
        let points = try await servers.database.withTenant(tenant.id) { try await $0.orderPoints(order.id) }
        #expect(points.earned == 259)
    }

    /// A release job due in a week waits in the delayed set; if Redis loses it, a replay from
    /// the loss sends it again even though it was relayed long before.
    @Test func delayedJobsWaitInTheDelayedSetAndAreReplayedIfLost() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        try await servers.database.withTenant(tenant.id) { connection in
            _ = try await connection.saveProgram(Program(pendingDays: 7))
            let (order, _) = try await connection.recordOrder(try paidOrder("o-1"))
            _ = try await connection.settleOrder(order.id)
        }
        let store = OutboxStore(database: servers.database)
        let queue = makeQueue()
        // The order's score job and its event's fan-out job, and the release job due in 7 days.
        #expect(try await store.relay(batch: 10, tenants: [tenant.id]) { try await queue.enqueue($0) } == 3)
        let stats = try await queue.stats()
        #expect(stats.ready == 2)
        #expect(stats.delayed == 1)
        #expect(try await queue.promoteDue() == 0)

        let lossAt = Date()
        let fresh = makeQueue()
        #expect(try await store.replay(since: lossAt, tenants: [tenant.id]) == 1)
        #expect(try await store.relay(batch: 10, tenants: [tenant.id]) { try await fresh.enqueue($0) } == 1)
        #expect(try await fresh.stats().delayed == 1)
    }
}
