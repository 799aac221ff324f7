import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import JifenWorker
import Testing

/// Two real `jifen work` processes: one holds the scheduler lease; SIGKILL it and the other
/// takes the lease over once it runs out, and keeps enqueuing sweeps.
@Suite struct SchedulerLeaseTests {
    @Test(.timeLimit(.minutes(2)))
    func theLeaseMovesWhenItsHolderIsKilled() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let queue = QueueKeys(name: "lease-\(UUID().uuidString.prefix(8))")
        // Pinned to a tenant of their own: their relay and sweeps leave other tests' rows alone.
        let (tenant, _) = try await servers.makeTenant("lease test")
        let leaseKey = Scheduler.Configuration(tenants: [tenant.id]).leaseKey(queue)
        // Something due, so the scheduler has a sweep to enqueue (it enqueues none for an idle
        // tenant); the outbox rows this leaves are marked relayed first, so that until the kill
        // the only one adding jobs is the scheduler.
        try await servers.database.withTenant(tenant.id) { connection in
            let (order, _) = try await connection.recordOrder(try paidOrder("lease-o-1"))
            _ = try await connection.settleOrder(order.id)
            try await connection.connection.query(
                "UPDATE point_lots SET expires_at = now() - interval '1 day'",
                logger: servers.logger
            )
        }
        _ = try await OutboxStore(database: servers.database).relay(batch: 100, tenants: [tenant.id]) { _ in }
        let environment = [
            "WORKER_TENANTS": tenant.id.description,
            "JOB_QUEUE": queue.name,
            "SCHEDULER_INTERVAL": "1",
            "SCHEDULER_LEASE_SECONDS": "2",
            "WORKER_CONCURRENCY": "2",
            "LOG_LEVEL": "warning",
        ]
        let workers = try ["a", "b"].map { name in
            try ChildProcess(executable: binary, arguments: ["work"], environment: environment, name: "lease-\(name)")
        }
        defer { for worker in workers { worker.kill() } }
        func holderPID() async throws -> pid_t? {
            guard let holder = try await servers.redis.send(["GET", leaseKey]).string else { return nil }
            let parts = holder.split(separator: ":")
            return parts.count >= 2 ? pid_t(parts[1]) : nil
        }
        var first: pid_t?
        let held = try await eventually(timeout: .seconds(30)) {
            first = try await holderPID()
            return first != nil
        }
        try #require(held, "no worker took the lease: \(workers.map(\.log))")
        let holder = try #require(workers.first { $0.pid == first })
        let other = try #require(workers.first { $0.pid != first })
        // The holder enqueues the sweep. (Counted by the queue's token counter, which survives the
        // jobs being run and deleted before we look, as they are on a busy machine.)
        func entriesAdded() async throws -> Int64 {
            Int64(try await servers.redis.send(["GET", "\(queue.root):seq"]).string ?? "0") ?? 0
        }
        #expect(try await eventually(timeout: .seconds(20)) { try await entriesAdded() > 0 })

        holder.kill()
        let moved = try await eventually(timeout: .seconds(20)) { try await holderPID() == other.pid }
        #expect(moved, "the lease did not move to the surviving worker: \(other.log)")
        let status = try await other.terminate()
        #expect(status == 0)
        // A graceful stop gives the lease up at once.
        #expect(try await holderPID() == nil)
    }
}
