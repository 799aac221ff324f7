import Foundation
import JifenCore
import JifenTestSupport
import Testing

@testable import JifenRedis

/// The queue's lanes and turns on the real Redis, each test on a queue of its own.
@Suite struct FairQueueTests {
    func job(_ id: String, _ kind: JobKind, _ tenant: TenantID) -> Job {
        Job(id: id, kind: kind, tenant: tenant, payload: "{}")
    }

    @Test func tenantsTakeTurnsWhateverTheirBacklog() async throws {
        let queue = makeQueue()
        let (busy, quiet, other) = (TenantID(UUID()), TenantID(UUID()), TenantID(UUID()))
        try await queue.enqueue((0..<1000).map { job("busy-\($0)", .scoreOrder, busy) })
        try await queue.enqueue(job("quiet-0", .scoreOrder, quiet))
        try await queue.enqueue(job("other-0", .scoreOrder, other))

        // One job per tenant in turn: the two small tenants come before the busy one's second.
        let first = try await queue.read(count: 3, block: .zero)
        #expect(Set(first.compactMap(\.job?.tenant)) == [busy, quiet, other])
        let next = try await queue.read(count: 2, block: .zero)
        #expect(next.compactMap(\.job?.id) == ["busy-1", "busy-2"], "a tenant's own jobs stay in order")
        let stats = try await queue.stats()
        #expect(stats.lane(.interactive).ready == 997)
        #expect(stats.inFlight == 5)
    }

    @Test func lanesAreKeptApartAndServedInTheOrderAsked() async throws {
        let queue = makeQueue()
        let tenant = TenantID(UUID())
        try await queue.enqueue((0..<5).map { job("sweep-\($0)", .expireLots, tenant) })
        try await queue.enqueue(job("order", .scoreOrder, tenant))
        try await queue.enqueue(job("hook", .dispatchWebhook, tenant))
        let stats = try await queue.stats()
        #expect(stats.lane(.background).ready == 5)
        #expect(stats.lane(.interactive).ready == 1)
        #expect(stats.lane(.webhooks).ready == 1)
        #expect(stats.lane(.background).oldestAge != nil)

        // Interactive first, though the background jobs came first.
        let taken = try await queue.take(
            [
                .init(lane: .interactive, count: 1), .init(lane: .webhooks, count: 1),
                .init(lane: .background, count: 1),
            ],
            limit: 2,
            block: .zero
        )
        #expect(taken.compactMap(\.job?.id) == ["order", "hook"])
        #expect(taken.map(\.lane) == [.interactive, .webhooks])
        // A lane asked for nothing gives nothing.
        let none = try await queue.take([.init(lane: .background, count: 0)], limit: 5, block: .zero)
        #expect(none.isEmpty)
        let background = try await queue.take([.init(lane: .background, count: 2)], limit: 5, block: .zero)
        #expect(background.compactMap(\.job?.id) == ["sweep-0", "sweep-1"])
    }

    /// A tenant at its cap waits for one of its jobs to end; others go on meanwhile.
    @Test func aTenantAtItsCapWaitsForItsOwnJobsToEnd() async throws {
        let queue = makeQueue()
        let (slow, other) = (TenantID(UUID()), TenantID(UUID()))
        try await queue.enqueue((0..<10).map { job("slow-\($0)", .dispatchWebhook, slow) })
        try await queue.enqueue((0..<3).map { job("other-\($0)", .dispatchWebhook, other) })
        let hooks = { (count: Int) in [JobQueue.LaneRequest(lane: .webhooks, count: count, tenantCap: 2)] }

        let first = try await queue.take(hooks(10), limit: 10, block: .zero)
        let byTenant = Dictionary(grouping: first.compactMap(\.job), by: \.tenant)
        #expect(byTenant[slow]?.count == 2)
        #expect(byTenant[other]?.count == 2)
        // Both at their cap: nothing more, though 9 wait.
        #expect(try await queue.take(hooks(10), limit: 10, block: .zero).isEmpty)
        #expect(try await queue.stats().lane(.webhooks).ready == 9)

        // One of the slow tenant's jobs ends: it gets exactly one more turn.
        let done = try #require(first.first { $0.job?.tenant == slow })
        try await queue.ack(done)
        let again = try await queue.take(hooks(10), limit: 10, block: .zero)
        #expect(again.compactMap(\.job?.tenant) == [slow])
        // Settling twice (a reclaimed job acknowledged by both workers) frees one slot, not two.
        try await queue.ack(done)
        #expect(try await queue.take(hooks(10), limit: 10, block: .zero).isEmpty)
    }

    @Test func retriesAndDeadJobsGoBackToTheirLaneAndTenant() async throws {
        let queue = makeQueue()
        let tenant = TenantID(UUID())
        try await queue.enqueue(job("hook", .dispatchWebhook, tenant))
        let taken = try #require(try await queue.read(count: 1, block: .zero).first)
        var next = try #require(taken.job)
        next.attempt += 1
        try await queue.retry(taken, as: next, after: .zero)
        #expect(try await queue.stats().delayed == 1)
        #expect(try await queue.promoteDue() == 1)
        let stats = try await queue.stats()
        #expect(stats.lane(.webhooks).ready == 1 && stats.inFlight == 0 && stats.delayed == 0)

        let retried = try #require(try await queue.read(count: 1, block: .zero).first)
        #expect(retried.job?.attempt == 1)
        #expect(retried.lane == .webhooks)
        try await queue.bury(retried, error: "gone")
        let dead = try #require(try await queue.deadJobs().first)
        #expect(try await queue.retryDead(dead.entryID))
        let resurrected = try #require(try await queue.read(count: 1, block: .zero).first)
        #expect(resurrected.lane == .webhooks)
        #expect(resurrected.job?.tenant == tenant && resurrected.job?.attempt == 0)
    }

    @Test func aJobOfADeadWorkerIsReclaimedOnceItsTimeIsUp() async throws {
        let queue = makeQueue()
        try await queue.enqueue(job("orphan", .scoreOrder, TenantID(UUID())))
        let taken = try await queue.read(count: 1, block: .zero)
        #expect(taken.count == 1)
        #expect(try await queue.reclaim(minIdle: .seconds(60), count: 10).isEmpty)
        let reclaimed = try await eventually(timeout: .seconds(10)) {
            try await !queue.reclaim(minIdle: .milliseconds(50), count: 10).isEmpty
        }
        #expect(reclaimed)
        #expect(try await queue.stats().inFlight == 1, "a reclaimed job is still one running job")
    }

    /// An idle worker blocks on the wake list; a new job ends its wait: the take asks to wait
    /// up to 3 minutes, the test is given one.
    @Test(.timeLimit(.minutes(1))) func anIdleTakeWakesForANewJob() async throws {
        let queue = makeQueue()
        let tenant = TenantID(UUID())
        async let waited = queue.read(count: 1, block: .seconds(180))
        // Enqueue once some client is blocked (ours, unless other suites' workers are idle too;
        // either way the take must return the job long before its 3 minutes).
        _ = try await eventually(timeout: .seconds(5)) {
            let info = try await queue.redis.send(["INFO", "clients"]).string ?? ""
            return !info.contains("blocked_clients:0")
        }
        try await queue.enqueue(job("late", .scoreOrder, tenant))
        let taken = try await waited
        #expect(taken.compactMap(\.job?.id) == ["late"])
    }

    @Test func everyReadyJobLeavesAWakeMarkForIdleWorkers() async throws {
        let queue = makeQueue()
        let tenant = TenantID(UUID())
        try await queue.enqueue((0..<3).map { job("now-\($0)", .scoreOrder, tenant) })
        var later = job("later", .scoreOrder, tenant)
        later.runAt = Date().addingTimeInterval(3600)
        try await queue.enqueue(later)
        #expect(try await queue.redis.send(["LLEN", "\(queue.keys.root):wake"]).integer == 3)
        try await queue.enqueue((0..<100).map { job("many-\($0)", .scoreOrder, tenant) })
        #expect(try await queue.redis.send(["LLEN", "\(queue.keys.root):wake"]).integer == 64, "capped")
    }

    /// A Redis written by a worker before lanes: its stream of ready jobs and its delayed set of
    /// bare jobs. Nothing is lost: the stream's jobs move into their lanes, and a delayed job in
    /// the old form runs from the background lane when due.
    @Test func jobsLeftByAWorkerBeforeLanesAreAdopted() async throws {
        let queue = makeQueue()
        let tenant = TenantID(UUID())
        for index in 0..<3 {
            let old = try job("old-\(index)", .scoreOrder, tenant).encoded()
            try await queue.redis.send(["XADD", queue.keys.legacyStream, "*", "job", old])
        }
        let delayed = try job("old-retry", .dispatchWebhook, tenant).encoded()
        try await queue.redis.send(["ZADD", queue.keys.delayed, "1", delayed])

        #expect(try await queue.adoptLegacyStream() == 3)
        #expect(try await queue.redis.send(["EXISTS", queue.keys.legacyStream]).integer == 0)
        #expect(try await queue.adoptLegacyStream() == 0, "a second worker finds nothing to move")
        #expect(try await queue.promoteDue() == 1)
        let stats = try await queue.stats()
        #expect(stats.lane(.interactive).ready == 3)
        #expect(stats.lane(.background).ready == 1)
        let taken = try await queue.read(count: 10, block: .zero)
        #expect(Set(taken.compactMap(\.job?.id)) == ["old-0", "old-1", "old-2", "old-retry"])
    }
}
