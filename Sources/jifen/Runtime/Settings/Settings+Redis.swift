import Configuration
import JifenRedis
import NIOPosix

/// Redis: where it is, and the queue name every key of the queue (and the API's rate limits)
/// starts with.
struct RedisSettings: Sendable {
    var url: String
    var jobQueue: String

    static func fromEnvironment(_ config: ConfigReader) throws -> RedisSettings {
        let queue = config.string(forKey: "job.queue", default: "jifen")
        guard !queue.isEmpty, queue.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else {
            throw Settings.Invalid(description: "JOB_QUEUE may contain only letters, digits and - _ . :")
        }
        return RedisSettings(
            url: config.string(forKey: "redis.url", isSecret: true, default: "redis://127.0.0.1:63790/0"),
            jobQueue: queue
        )
    }

    func configuration() throws -> RedisConfiguration {
        try RedisConfiguration(url: url)
    }
}

extension RedisSettings {
    /// The worker's queue: blocking reads get their own threads and connection
    /// (docs/architecture.md, Pitfalls), the rest goes through `redis`.
    func workerQueue(keys: QueueKeys, redis: RedisClient, readerThreads: NIOThreadPool) throws -> JobQueue {
        JobQueue(
            keys: keys,
            redis: redis,
            blocking: RedisClient(configuration: try configuration(), threadPool: readerThreads, maxIdle: 1)
        )
    }
}
