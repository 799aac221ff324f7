import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

@testable import JifenWorker

/// Many shops on one deployment: idle tenants cost no job, a busy tenant's backlog does not
/// delay another tenant, a slow receiver holds no more than its cap.
@Suite struct ManyTenantsTests {
    /// 2,000 tenants without data get no job from a scheduler round; a tenant with one lot past
    /// its expiry among them gets exactly its expiry sweep.
    @Test func aSchedulerRoundEnqueuesOnlyForTenantsWithDueWork() async throws {
        let servers = try await TestServers.shared.ready()
        let idle: [TenantID] = try await servers.database.withSystem { connection in
            var ids: [TenantID] = []
            for try await id in try await connection.query(
                "INSERT INTO tenants (name) SELECT 'idle ' || g FROM generate_series(1, 2000) g RETURNING id",
                logger: servers.logger
            ).decode(UUID.self) {
                ids.append(TenantID(id))
            }
            return ids
        }
        #expect(idle.count == 2000)
        let (due, _) = try await servers.makeTenant("one expired lot")
        try await servers.database.withTenant(due.id) { connection in
            let (order, _) = try await connection.recordOrder(try paidOrder("o-1"))
            _ = try await connection.settleOrder(order.id)
            try await connection.connection.query(
                "UPDATE point_lots SET expires_at = now() - interval '1 minute'",
                logger: servers.logger
            )
            // Its points.earned event as if already sent, so the expiry is all that is due.
            try await connection.connection.query(
                "UPDATE domain_events SET fanned_out_at = now()",
                logger: servers.logger
            )
        }

        let queue = makeQueue()
        let scheduler = Scheduler(
            lease: Lease(redis: servers.redis, key: "\(queue.keys.root):lease", holder: "test", ttl: .seconds(10)),
            queue: queue,
            tenants: TenantStore(database: servers.database),
            configuration: .init(),
            logger: servers.logger
        )
        let enqueued = try await scheduler.enqueueSweeps()
        // Everything the round enqueued (other tests' tenants may have due work too).
        let jobs = try await queue.read(count: enqueued + 1, block: .zero).compactMap(\.job)
        #expect(jobs.count == enqueued)
        let idleSet = Set(idle)
        #expect(jobs.filter { $0.tenant.map(idleSet.contains) ?? false }.isEmpty, "a job for a tenant with no data")
        #expect(jobs.filter { $0.tenant == due.id }.map(\.kind) == [.expireLots])

        try await servers.database.withSystem { connection in
            try await connection.query(
                "DELETE FROM tenants WHERE id = ANY(\(idle.map(\.rawValue)))",
                logger: servers.logger
            )
        }
    }

    /// A tenant with 5,000 queued background jobs does not delay another tenant's order: its
    /// points arrive while the background jobs are still queued.
    @Test func aBackgroundBacklogDoesNotDelayAnotherTenantsOrder() async throws {
        let servers = try await TestServers.shared.ready()
        let (busy, _) = try await servers.makeTenant("busy")
        let (shop, _) = try await servers.makeTenant("shop")
        let queue = makeQueue()
        let backfill = ScriptedHandler(kind: "test.backfill", failures: 0, delay: .milliseconds(200))
        #expect(backfill.kind.lane == .background)
        try await queue.enqueue(
            (0..<5000).map { Job(id: "backfill-\($0)", kind: backfill.kind, tenant: busy.id, payload: "{}") }
        )
        let (order, _) = try await servers.database.withTenant(shop.id) {
            try await $0.recordOrder(try paidOrder("o-1"))
        }
        let relay = OutboxRelay(
            store: OutboxStore(database: servers.database),
            queue: queue,
            configuration: .init(pollInterval: .milliseconds(20), tenants: [shop.id]),
            logger: servers.logger
        )
        let runner = JobRunner(
            queue: queue,
            handlers: PointsHandlers.all(database: servers.database, logger: servers.logger) + [backfill],
            configuration: testRunnerConfiguration(),
            logger: servers.logger
        )
        let (scored, waiting) = try await withServices([relay, runner]) {
            let scored = try await eventually(timeout: .seconds(60)) {
                try await servers.database.withTenant(shop.id) { try await $0.orderPoints(order.id) }.state
                    == .available
            }
            return (scored, try await queue.stats().lane(.background).ready)
        }
        #expect(scored)
        #expect(backfill.runs.count > 0, "the background lane was not served at all")
        // At 200 ms a job on its share of 2 slots, 5,000 jobs take minutes.
        #expect(waiting > 4000, "the backlog was mostly worked off first: \(waiting) left")
    }

    /// The relay takes a few rows of each tenant per round: a tenant's backfill waiting in the
    /// outbox does not hold another tenant's new row behind it.
    @Test func theRelayTakesEachTenantsRowsInTurn() async throws {
        let servers = try await TestServers.shared.ready()
        let (busy, _) = try await servers.makeTenant("backfill")
        let (shop, _) = try await servers.makeTenant("shop")
        try await servers.database.withTenant(busy.id) { connection in
            try await connection.connection.query(
                "INSERT INTO outbox (tenant_id, kind, payload) SELECT \(busy.id.rawValue), 'test.backfill', '{}'::jsonb FROM generate_series(1, 300)",
                logger: servers.logger
            )
        }
        let (order, _) = try await servers.database.withTenant(shop.id) {
            try await $0.recordOrder(try paidOrder("o-1"))
        }
        let store = OutboxStore(database: servers.database)
        let sent = NIOLockedValueBox<[Job]>([])
        let count = try await store.relay(batch: 50, perTenant: 20, tenants: [busy.id, shop.id]) { jobs in
            sent.withLockedValue { $0 += jobs }
        }
        let jobs = sent.withLockedValue { $0 }
        #expect(count == jobs.count)
        #expect(jobs.filter { $0.tenant == busy.id }.count == 20, "more than its share of a round")
        #expect(jobs.contains { $0.tenant == shop.id && $0.payload.contains(order.id.uuidString.lowercased()) })
        // The rest goes 20 a round. (The unpinned relay finds its tenants by a loose index scan
        // instead of the list; a test cannot run it without taking other tests' rows.)
        var rounds = 0
        while try await store.relay(batch: 50, perTenant: 20, tenants: [busy.id, shop.id], send: { _ in }) > 0 {
            rounds += 1
        }
        #expect(rounds == 14, "280 rows left at 20 a round")
    }

    /// A slow webhook receiver holds at most the tenant's webhook cap of slots, and another
    /// tenant's deliveries run beside it.
    @Test func aSlowReceiverHoldsNoMoreThanTheTenantsCap() async throws {
        let servers = try await TestServers.shared.ready()
        let (slow, other) = (TenantID(UUID()), TenantID(UUID()))
        let queue = makeQueue()
        let hooks = ConcurrencyProbe(kind: .dispatchWebhook, delay: .milliseconds(300))
        try await queue.enqueue(
            (0..<12).map { Job(id: "slow-\($0)", kind: .dispatchWebhook, tenant: slow, payload: "{}") }
        )
        try await queue.enqueue(
            (0..<4).map { Job(id: "other-\($0)", kind: .dispatchWebhook, tenant: other, payload: "{}") }
        )
        var configuration = testRunnerConfiguration()
        configuration.concurrency = 8
        configuration.lanes = JobRunnerConfiguration.defaultLanes(concurrency: 8, webhookTenantConcurrency: 2)
        let runner = JobRunner(queue: queue, handlers: [hooks], configuration: configuration, logger: servers.logger)
        let done = try await withServices([runner]) {
            try await eventually(timeout: .seconds(60)) { hooks.finished == 16 }
        }
        #expect(done)
        #expect(hooks.peak[slow] == 2, "the slow tenant ran \(hooks.peak[slow] ?? 0) at once")
        #expect(hooks.peak[other] == 2)
        #expect(hooks.overlapped, "the other tenant's deliveries waited for the slow one's")
    }
}

/// Records how many jobs of each tenant ran at once.
final class ConcurrencyProbe: JobHandler, @unchecked Sendable {
    let kind: JobKind
    let delay: Duration
    private let state = NIOLockedValueBox<(running: [TenantID: Int], peak: [TenantID: Int], finished: Int, both: Bool)>(
        ([:], [:], 0, false)
    )

    init(kind: JobKind, delay: Duration) {
        self.kind = kind
        self.delay = delay
    }

    var peak: [TenantID: Int] { state.withLockedValue { $0.peak } }
    var finished: Int { state.withLockedValue { $0.finished } }
    /// Whether two tenants' jobs ever ran at the same time.
    var overlapped: Bool { state.withLockedValue { $0.both } }

    func handle(_ job: Job) async throws {
        let tenant = try #require(job.tenant)
        state.withLockedValue { state in
            state.running[tenant, default: 0] += 1
            state.peak[tenant] = max(state.peak[tenant] ?? 0, state.running[tenant] ?? 0)
            if state.running.values.filter({ $0 > 0 }).count > 1 { state.both = true }
        }
        try await Task.sleep(for: delay)
        state.withLockedValue { state in
            state.running[tenant, default: 1] -= 1
            state.finished += 1
        }
    }
}
