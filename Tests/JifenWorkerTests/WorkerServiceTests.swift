import JifenTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import JifenWorker

@Suite struct WorkerServiceTests {
    /// SIGTERM reaches a worker as graceful shutdown; it must stop promptly and cleanly.
    @Test func drainsOnGracefulShutdown() async throws {
        let servers = try await TestServers.shared.ready()
        let worker = WorkerService(
            database: servers.database,
            redis: servers.redis,
            heartbeat: .milliseconds(20),
            logger: servers.logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: servers.logger
            )
        )
        let stopped = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                // Let it start, ask it to stop, then give it a generous deadline to comply.
                try await Task.sleep(for: .milliseconds(100))
                await group.triggerGracefulShutdown()
                try await Task.sleep(for: .seconds(10))
                return false
            }
            let first = try await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        #expect(stopped, "the worker did not stop within 10 s of graceful shutdown")
    }
}
