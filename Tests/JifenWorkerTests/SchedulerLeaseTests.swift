import Foundation
import JifenCore
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
        // The holder enqueues sweeps. (Counted by the stream's `entries-added`, which survives the
        // jobs being run and deleted before we look, as they are on a busy machine.)
        func entriesAdded() async throws -> Int64 {
            let fields = try await servers.redis.send(["XINFO", "STREAM", queue.stream]).array ?? []
            guard let index = fields.firstIndex(where: { $0.string == "entries-added" }), index + 1 < fields.count
            else { return 0 }
            return fields[index + 1].integer ?? 0
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
