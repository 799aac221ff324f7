import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// Real `jifen work` processes: one is SIGKILLed in the middle of 300 orders, another
/// finishes them. Every order is counted exactly once.
@Suite struct WorkerCrashTests {
    @Test(.timeLimit(.minutes(3)))
    func anotherWorkerFinishesWhatAKilledWorkerHeld() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("crash test")
        let orders = 300
        try await servers.database.withTenant(tenant.id) { connection in
            for index in 0..<orders {
                _ = try await connection.recordOrder(try paidOrder("o-\(index)", member: "m-\(index % 10)"))
            }
        }
        let environment = [
            "JOB_QUEUE": "crash-\(UUID().uuidString.prefix(8))",
            "WORKER_TENANTS": tenant.id.description,
            "JOB_VISIBILITY_TIMEOUT": "2",
            "SCHEDULER_INTERVAL": "0",
            "LOG_LEVEL": "warning",
        ]

        // One job at a time, so it is surely killed mid-way.
        let first = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment.merging(["WORKER_CONCURRENCY": "1"]) { $1 },
            name: "worker-a"
        )
        let started = try await eventually(timeout: .seconds(60)) { try await earnEntries(tenant.id) >= 5 }
        first.kill()
        try #require(started, "the first worker scored nothing: \(first.log)")
        let scoredWhenKilled = try await earnEntries(tenant.id)
        #expect(scoredWhenKilled < orders, "the first worker finished before it was killed; nothing was tested")

        let second = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment.merging(["WORKER_CONCURRENCY": "4"]) { $1 },
            name: "worker-b"
        )
        let finished = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
            try await earnEntries(tenant.id) == orders
        }
        let status = try await second.terminate()
        let scored = try await earnEntries(tenant.id)
        #expect(finished, "scored \(scored) of \(orders): \(second.log)")
        #expect(status == 0, "the second worker did not drain and exit cleanly on SIGTERM")

        let lifetime = try await servers.database.withTenant(tenant.id) { connection in
            let rows = try await connection.connection.query(
                "SELECT coalesce(sum(lifetime_earned), 0)::bigint, coalesce(sum(available), 0)::bigint FROM balances",
                logger: servers.logger
            )
            return try await rows.decode((Int64, Int64).self).first(where: { _ in true })
        }
        #expect(lifetime?.0 == Int64(orders) * 259)
        #expect(lifetime?.1 == Int64(orders) * 259)
        #expect(try await earnEntries(tenant.id) == orders)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant.id])
        #expect(audit.violations.isEmpty, "\(audit.violations)")
        #expect(audit.members == 10)
    }
}
