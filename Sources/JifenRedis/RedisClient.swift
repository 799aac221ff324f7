import NIOConcurrencyHelpers
import NIOPosix

/// Async access to Redis through a small pool of blocking hiredis connections. Each command
/// runs on a `NIOThreadPool` thread, so hiredis never blocks Swift's cooperative pool.
///
/// ```swift
/// let redis = try RedisClient(configuration: RedisConfiguration(url: "redis://127.0.0.1:6379/0"))
/// let pong = try await redis.send(["PING"])   // .status("PONG")
/// ```
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let threadPool: NIOThreadPool
    private let maxIdle: Int
    private let idle = NIOLockedValueBox<[RedisConnection]>([])

    public init(configuration: RedisConfiguration, threadPool: NIOThreadPool = .singleton, maxIdle: Int = 4) {
        self.configuration = configuration
        self.threadPool = threadPool
        self.maxIdle = maxIdle
    }

    /// Sends one command on a pooled connection. A broken connection is dropped (the next
    /// command opens a new one); a Redis error reply is thrown as ``RedisError``.
    @discardableResult
    public func send(_ arguments: [String]) async throws -> RedisValue {
        let connection = idle.withLockedValue { $0.popLast() } ?? RedisConnection(configuration: configuration)
        let result: Result<RedisValue, RedisError> = try await threadPool.runIfActive {
            Result { () throws(RedisError) in try connection.command(arguments) }
        }
        if connection.isConnected {
            idle.withLockedValue { if $0.count < maxIdle { $0.append(connection) } }
        }
        return try result.get()
    }

    /// Sends `commands` in one round trip; replies in order, error replies included as `.error`.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisValue] {
        let connection = idle.withLockedValue { $0.popLast() } ?? RedisConnection(configuration: configuration)
        let result: Result<[RedisValue], RedisError> = try await threadPool.runIfActive {
            Result { () throws(RedisError) in try connection.pipeline(commands) }
        }
        if connection.isConnected {
            idle.withLockedValue { if $0.count < maxIdle { $0.append(connection) } }
        }
        return try result.get()
    }

    /// `PING`, for the readiness probe.
    public func ping() async throws {
        let reply = try await send(["PING"])
        guard reply.string == "PONG" else { throw RedisError(.connection, "unexpected PING reply \(reply)") }
    }

    /// Closes the idle connections; in-flight ones close when their command returns.
    public func shutdown() {
        let connections = idle.withLockedValue { pool in
            defer { pool.removeAll() }
            return pool
        }
        connections.forEach { $0.close() }
    }
}
