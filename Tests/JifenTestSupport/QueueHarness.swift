import Foundation
import JifenRedis
import NIOPosix
import ServiceLifecycle

/// Threads for the queue's blocking `BLPOP` calls, shared by the tests of this process.
public let readerThreads: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: 8)
    pool.start()
    return pool
}()

/// A private queue (its own key names) on the real Redis, so parallel tests never take each
/// other's jobs.
public func makeQueue(redis: RedisConfiguration = TestServers.shared.redisConfiguration) -> JobQueue {
    JobQueue(
        keys: QueueKeys(name: "test-\(UUID().uuidString.prefix(8))"),
        redis: RedisClient(configuration: redis),
        blocking: RedisClient(configuration: redis, threadPool: readerThreads)
    )
}

/// Runs `services` in a ServiceGroup while `body` runs, then shuts them down gracefully.
public func withServices<T: Sendable>(
    _ services: [any Service],
    _ body: @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(
        configuration: .init(services: services.map { .init(service: $0) }, logger: TestServers.shared.logger)
    )
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            return result
        } catch {
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            throw error
        }
    }
}
