import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import Testing

/// The operator commands, run as the real binary.
@Suite struct OperatorCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (
        status: Int32?, output: String
    ) {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let child = try ChildProcess(
            executable: binary,
            arguments: arguments,
            environment: environment,
            name: arguments[0]
        )
        _ = try await eventually(timeout: .seconds(30)) { !child.isRunning }
        return (try await child.terminate(deadline: .seconds(1)), child.log)
    }

    /// The operator token opens every tenant: a short one, or the manifests' placeholder, stops
    /// `jifen serve` at start-up with a message that says why.
    @Test func serveRefusesAWeakOperatorToken() async throws {
        for (token, reason) in [
            ("short-token", "at least 32 characters"),
            ("CHANGE-ME-to-a-random-token-of-32-or-more-characters", "placeholder"),
        ] {
            let port = try TestPorts.reserve()
            let result = try await run(["serve"], environment: ["OPERATOR_TOKEN": token, "PORT": "\(port)"])
            #expect(result.status != 0 && result.status != nil, "\(token): \(result.output)")
            #expect(result.output.contains(reason), "\(token): \(result.output)")
            #expect(!result.output.contains(token) || token.hasPrefix("CHANGE-ME"), "the token was logged")
        }
    }

    @Test func deadJobsAreListedAndRetriedFromTheCommandLine() async throws {
        let queue = makeQueue()
        try await queue.ensureGroup()
        try await queue.enqueue(Job(id: "cli-dead", kind: "test.cli", tenant: nil, payload: "{}"))
        let delivery = try #require(
            try await queue.read(consumer: "cli-test", count: 1, block: .milliseconds(100)).first
        )
        try await queue.bury(delivery, error: "it broke")
        let environment = ["JOB_QUEUE": queue.keys.name, "LOG_LEVEL": "error"]

        let list = try await run(["jobs", "dead", "list"], environment: environment)
        #expect(list.status == 0)
        #expect(list.output.contains("test.cli") && list.output.contains("it broke"), "\(list.output)")
        let deadID = try #require(try await queue.deadJobs().first?.entryID)
        #expect(list.output.contains(deadID))

        let stats = try await run(["jobs", "stats"], environment: environment)
        #expect(stats.output.contains("dead       1"), "\(stats.output)")

        let retried = try await run(["jobs", "dead", "retry", deadID], environment: environment)
        #expect(retried.status == 0, "\(retried.output)")
        let after = try await queue.stats()
        #expect(after.dead == 0)
        #expect(after.ready == 1)

        let missing = try await run(["jobs", "dead", "retry", deadID], environment: environment)
        #expect(missing.status != 0)
    }

    @Test func auditExitsNonZeroOnAViolation() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("audit test")
        try await servers.database.withTenant(tenant.id) { connection in
            let (order, _) = try await connection.recordOrder(try paidOrder("o-1"))
            _ = try await connection.settleOrder(order.id)
        }
        let clean = try await run(["audit", "--tenant", tenant.id.description], environment: ["LOG_LEVEL": "error"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("ledger consistent"))

        // Corrupt the balance behind the ledger's back.
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                "UPDATE balances SET available = available + 5",
                logger: servers.logger
            )
        }
        let dirty = try await run(["audit", "--tenant", tenant.id.description], environment: ["LOG_LEVEL": "error"])
        #expect(dirty.status == 1)
        #expect(dirty.output.contains("VIOLATION"), "\(dirty.output)")
        #expect(dirty.output.contains("balance 264, ledger sum 259, lots remaining 259"), "\(dirty.output)")
    }
}
