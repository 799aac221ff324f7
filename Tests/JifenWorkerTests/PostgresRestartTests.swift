import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// PostgreSQL restarts under a running API and worker (a private instance, so nothing else
/// notices): requests during the outage get 503 problem+json with `Retry-After`, both
/// processes reconnect by themselves, and every order accepted before and after is scored
/// exactly once.
@Suite struct PostgresRestartTests {
    @Test(.timeLimit(.minutes(5)))
    func theAPIAndWorkersRideOutARestart() async throws {
        let postgres = try PrivatePostgres()
        do {
            try await postgres.create()
            try await run(postgres)
        } catch {
            await postgres.destroy()
            throw error
        }
        await postgres.destroy()
    }

    func run(_ postgres: PrivatePostgres) async throws {
        let environment = [
            "DATABASE_URL": postgres.databaseURL, "SYSTEM_DATABASE_URL": postgres.systemURL,
            "MIGRATION_DATABASE_URL": postgres.migrationURL,
            "DATABASE_ACQUIRE_TIMEOUT": "2", "JOB_RETRY_BASE_MS": "200", "JOB_MAX_ATTEMPTS": "30",
        ]
        try await LiveStack.run(environment: environment) { stack in
            let migrate = try ChildProcess(
                executable: jifenBinary(),
                arguments: ["migrate"],
                environment: stack.environment,
                name: "restart-migrate"
            )
            #expect(try await migrate.exitStatus(within: .seconds(60)) == 0, "\(migrate.log)")
            try await stack.startAPI()
            let created = try await stack.operatorClient().createTenant(body: .json(.init(name: "Restart Tea"))).created
                .body.json
            let tenant = try #require(TenantID(created.tenant.id))
            let key = created.apiKey.secret
            try stack.startWorker(tenants: [created.tenant.id], concurrency: 2)

            var accepted: [String] = []
            for index in 0..<10 {
                let outcome = await Self.post("before-\(index)", key: key, port: stack.port)
                #expect(outcome.status == 201, "\(outcome)")
                accepted.append("before-\(index)")
            }

            try await postgres.stop()
            for index in 0..<5 {
                let outcome = await Self.post("during-\(index)", key: key, port: stack.port)
                #expect(outcome.status == 503, "during the outage: \(outcome)")
                #expect(outcome.headers["content-type"] == "application/problem+json", "\(outcome)")
                #expect(outcome.headers["retry-after"].flatMap(Int.init) != nil, "\(outcome)")
            }
            try await postgres.start()

            // The API reconnects by itself: orders are accepted again within a few seconds.
            let back = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                await Self.post("after-0", key: key, port: stack.port).status == 201
            }
            try #require(back, "the API did not come back after PostgreSQL did")
            accepted.append("after-0")
            for index in 1..<10 {
                let outcome = await Self.post("after-\(index)", key: key, port: stack.port)
                #expect(outcome.status == 201, "\(outcome)")
                accepted.append("after-\(index)")
            }

            let expected = accepted.count
            let counts = try await postgres.withDatabase { database in
                _ = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
                    try await Self.earnCounts(database, tenant).values.reduce(0, +) >= expected
                }
                return try await Self.earnCounts(database, tenant)
            }
            let wrong = accepted.filter { counts[$0] != 1 }.map { "\($0) scored \(counts[$0] ?? 0) times" }
            #expect(
                wrong.isEmpty,
                "\(wrong.joined(separator: ", "))\nworker log:\n\(stack.workers.map { String($0.log.suffix(6000)) }.joined())"
            )
            #expect(Set(counts.keys) == Set(accepted), "orders stored differ from those accepted")
        }
    }

    /// Earn entries per order of `tenant`.
    static func earnCounts(_ database: Database, _ tenant: TenantID) async throws -> [String: Int] {
        try await database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                """
                SELECT o.external_id, count(e.*)::bigint FROM orders o
                LEFT JOIN ledger_entries e ON e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn'
                GROUP BY o.external_id
                """,
                logger: TestServers.shared.logger
            )
            var counts: [String: Int] = [:]
            for try await (order, earned) in rows.decode((String, Int64).self) { counts[order] = Int(earned) }
            return counts
        }
    }

    struct Outcome: CustomStringConvertible {
        var status: Int
        var headers: [String: String]
        var body: String
        var description: String { "\(status) \(headers) \(body.prefix(300))" }
    }

    /// One order on a fresh connection.
    static func post(_ id: String, key: String, port: Int) async -> Outcome {
        let outcome = await RawHTTPConnection.request(
            port: port,
            method: "POST",
            path: "/v1/orders",
            headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json", "Connection": "close"],
            body: """
                {"external_id":"\(id)","member":"m-1","currency":"CNY","amount":25900,"status":"paid",\
                "placed_at":"2026-11-30T08:15:00Z"}
                """
        )
        return Outcome(status: outcome.status, headers: outcome.headers, body: outcome.body)
    }
}
