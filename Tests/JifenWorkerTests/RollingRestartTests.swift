import Foundation
import JifenClient
import JifenCore
import JifenPostgres
import JifenTestSupport
import OpenAPIRuntime
import Testing

/// A rolling restart under load: two API processes behind a client that fails over between
/// them (as a load balancer would), two workers; one API and then one worker get SIGTERM and
/// are replaced while orders stream in. Every order the API accepted is scored exactly once,
/// no request gets a 5xx, and both stopped processes exit cleanly (drained, not killed).
@Suite struct RollingRestartTests {
    /// Orders sent after each restart before the next step, so each happens under load.
    static let stride = 60

    @Test(.timeLimit(.minutes(4)))
    func restartingAnAPIAndAWorkerUnderLoadLosesNothing() async throws {
        try await LiveStack.run { try await run($0) }
    }

    func run(_ stack: LiveStack) async throws {
        let secondPort = try freePort()
        let firstAPI = try await stack.startAPI()
        try await stack.startAPI(port: secondPort)
        let created = try await stack.operatorClient().createTenant(body: .json(.init(name: "Rolling Tea"))).created
            .body.json
        let tenant = try #require(TenantID(created.tenant.id))
        let key = created.apiKey.secret
        let firstWorker = try stack.startWorker(tenants: [created.tenant.id], concurrency: 2)
        try stack.startWorker(tenants: [created.tenant.id], concurrency: 2)

        let ledger = Ledger()
        let clients = [stack.tenantClient(key), stack.tenantClient(key, port: secondPort)]
        async let streamed: Void = withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                group.addTask {
                    var index = lane
                    while await !ledger.stopped {
                        try await Self.send(index, through: clients, ledger: ledger)
                        index += 4
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            try await group.waitForAll()
        }

        // Under way: the first API is rolled (SIGTERM, drain, exit, a new one on its port).
        try #require(try await eventually(timeout: .seconds(60)) { await ledger.accepted.count >= Self.stride })
        let beforeRoll = await ledger.accepted.count
        let apiExit = try await firstAPI.terminate(deadline: .seconds(20))
        #expect(apiExit == 0, "the API did not drain and exit cleanly: \(firstAPI.log)")
        try await stack.startAPI()
        let afterRoll = await ledger.accepted.count
        #expect(afterRoll > beforeRoll, "no order was accepted while the API restarted: the roll was not under load")

        // Then the first worker is rolled.
        var mark = await ledger.accepted.count
        try #require(try await eventually(timeout: .seconds(60)) { await ledger.accepted.count >= mark + Self.stride })
        let workerExit = try await firstWorker.terminate(deadline: .seconds(30))
        #expect(workerExit == 0, "the worker did not drain and exit cleanly: \(firstWorker.log)")
        try stack.startWorker(tenants: [created.tenant.id], concurrency: 2)
        mark = await ledger.accepted.count
        try #require(try await eventually(timeout: .seconds(60)) { await ledger.accepted.count >= mark + Self.stride })
        await ledger.stop()

        try await streamed
        let accepted = await ledger.accepted
        #expect(accepted.count >= 3 * Self.stride)
        let serverErrors = await ledger.serverErrors
        #expect(serverErrors == 0, "5xx during the restart")

        let allScored = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            try await earnEntries(tenant) >= accepted.count
        }
        let scored = try await earnEntries(tenant)
        #expect(allScored, "scored \(scored) of \(accepted.count)")
        let perOrder = try await TestServers.shared.database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                """
                SELECT o.external_id, count(e.*)::bigint FROM orders o
                LEFT JOIN ledger_entries e ON e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn'
                GROUP BY o.external_id
                """,
                logger: TestServers.shared.logger
            )
            var counts: [String: Int64] = [:]
            for try await (order, earned) in rows.decode((String, Int64).self) { counts[order] = earned }
            return counts
        }
        #expect(Set(perOrder.keys) == accepted, "orders stored differ from those accepted")
        let notOnce = perOrder.filter { $0.value != 1 }
        #expect(notOnce.isEmpty, "orders not scored exactly once: \(notOnce.prefix(10))")
        let audit = try await LedgerAudit(database: TestServers.shared.database).run(tenants: [tenant])
        #expect(audit.violations.isEmpty, "\(audit.violations)")
    }

    /// Posts one order, failing over to the other API on a transport error (the stopped one
    /// refuses connections) until one answers; the order's external id makes a repeat harmless.
    static func send(_ index: Int, through clients: [Client], ledger: Ledger) async throws {
        let id = "roll-\(index)"
        let input = Components.Schemas.OrderInput(
            externalId: id,
            member: "m-\(index % 8)",
            currency: "CNY",
            amount: 25_900,
            status: .paid,
            placedAt: Date(timeIntervalSince1970: 1_800_000_000)
        )
        let deadline = ContinuousClock.now + .seconds(60)
        var attempt = index
        while ContinuousClock.now < deadline {
            let client = clients[attempt % clients.count]
            attempt += 1
            do {
                switch try await client.recordOrder(body: .json(input)) {
                case .created, .ok:
                    await ledger.accept(id)
                    return
                case .undocumented(let status, _) where status >= 500:
                    await ledger.serverError()
                default:
                    break
                }
            } catch {
                // Connection refused or reset: that API is restarting.
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("order \(id) was never accepted")
    }

    actor Ledger {
        var accepted: Set<String> = []
        var serverErrors = 0
        var stopped = false
        func stop() { stopped = true }
        func accept(_ id: String) { accepted.insert(id) }
        func serverError() { serverErrors += 1 }
    }
}
