import Foundation
import Hummingbird
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import JifenWorker
import Testing

@testable import JifenAPI

/// Redis goes away: the API keeps accepting orders (they wait in the outbox), and once Redis is
/// back every one of them is scored, none twice.
@Suite struct RedisOutageTests {
    @Test(.timeLimit(.minutes(3)))
    func ordersAcceptedWhileRedisIsDownAreScoredOnceItIsBack() async throws {
        let servers = try await TestServers.shared.ready()
        let redis = try PrivateRedis()
        try await redis.start()
        let (tenant, key) = try await makeTenant("outage test")
        let queue = makeQueue(redis: redis.configuration)
        let relay = OutboxRelay(
            store: OutboxStore(database: servers.database),
            queue: queue,
            configuration: .init(pollInterval: .milliseconds(50), tenants: [tenant]),
            logger: servers.logger
        )
        let runner = JobRunner(
            queue: queue,
            // Every handler a worker has: the relay sends all of the tenant's jobs (events too).
            handlers: PointsHandlers.all(database: servers.database, logger: servers.logger),
            configuration: JobRunnerConfiguration(concurrency: 4, maintenanceInterval: .milliseconds(50)),
            logger: servers.logger
        )
        let router = try APIApplication.router(
            configuration: testAPIConfiguration,
            database: servers.database,
            redis: RedisClient(configuration: redis.configuration),
            specification: try Data(contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml")),
            logger: servers.logger
        )
        let app = Application(router: router, logger: servers.logger)

        try await withServices([relay, runner]) {
            try await app.test(.router) { client in
                let api = APIClient(client: client)
                try await api.send(.post, "/v1/orders", key: key, json: orderJSON("before"))
                // Scored before Redis goes, or its job goes with Redis (outbox replay brings such
                // jobs back; this test is about orders accepted during the outage). The whole suite
                // beside it has taken more than the default 10 s on a 2-core machine.
                let before = try await eventually(timeout: .seconds(60)) { try await scored(tenant) == 1 }
                try #require(before, "the first order was not scored before the outage")

                try await redis.stop()
                // Still ready: orders keep being accepted (below), so a load balancer keeps them coming.
                let degraded = try await api.send(.get, "/health/ready")
                #expect(degraded.status == .ok)
                #expect(try degraded.json()["status"] as? String == "degraded")
                var statuses: Set<Int> = []
                for index in 0..<50 {
                    let response = try await api.send(.post, "/v1/orders", key: key, json: orderJSON("during-\(index)"))
                    statuses.insert(Int(response.status.code))
                }
                #expect(statuses == [201])
                #expect(try await scored(tenant) == 1)

                try await redis.start()
                #expect(try await eventually(timeout: .seconds(60)) { try await scored(tenant) == 51 })
                #expect(try await api.send(.get, "/health/ready").status == .ok)
            }
        }
        try await redis.stop()
        #expect(try await scored(tenant) == 51)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant])
        #expect(audit.violations.isEmpty)
        let balance = try await servers.database.withTenant(tenant) {
            try await $0.member(try ExternalID("cust-1"))?.balance
        }
        #expect(balance?.lifetimeEarned == Int64(51 * 259))
    }

    func scored(_ tenant: TenantID) async throws -> Int {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                "SELECT count(*)::bigint FROM ledger_entries WHERE kind = 'earn'",
                logger: TestServers.shared.logger
            )
            return Int(try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0)
        }
    }
}
