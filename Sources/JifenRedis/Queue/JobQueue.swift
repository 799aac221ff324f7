import Foundation
import JifenCore
import NIOPosix

/// The reliable job queue (DESIGN §4) on Redis Streams with one consumer group.
///
/// - `XREADGROUP … BLOCK` hands each job to one worker; the worker acknowledges it only after
///   its PostgreSQL transaction committed (``ack(_:)``).
/// - A worker that dies leaves its jobs pending; ``reclaim(consumer:minIdle:count:)``
///   (`XAUTOCLAIM`) gives them to another after the visibility timeout.
/// - A failed job waits in a delayed sorted set (``retry(_:as:after:)``) and is moved back by
///   ``promoteDue(limit:)``; after its last attempt it goes to a dead-letter stream.
///
/// Delivery is at least once; handlers are idempotent.
public struct JobQueue: Sendable {
    public let keys: QueueKeys
    /// Short commands.
    let redis: RedisClient
    /// `XREADGROUP … BLOCK` holds its connection and thread for up to a second: it gets its own
    /// client, on its own threads, so it never starves short commands.
    let blocking: RedisClient

    public init(keys: QueueKeys = QueueKeys(), redis: RedisClient, blocking: RedisClient? = nil) {
        self.keys = keys
        self.redis = redis
        self.blocking = blocking ?? redis
    }

    /// Creates the stream and the consumer group if missing; safe to call from every worker.
    public func ensureGroup() async throws {
        do {
            try await redis.send(["XGROUP", "CREATE", keys.stream, keys.group, "0", "MKSTREAM"])
        } catch let error as RedisError where error.code == .reply && error.message.hasPrefix("BUSYGROUP") {
            // Another worker made it first.
        }
    }

    /// Adds a job: to the ready stream, or to the delayed set while its `runAt` is ahead.
    public func enqueue(_ job: Job) async throws {
        try await enqueue([job])
    }

    /// Adds jobs in one round trip (the outbox relay's batches): to the ready stream, or — for a
    /// job whose `runAt` is still ahead — to the delayed set, which `promoteDue` empties on time.
    public func enqueue(_ jobs: [Job]) async throws {
        guard !jobs.isEmpty else { return }
        let now = Date()
        let commands = try jobs.map { job in
            if let runAt = job.runAt, runAt > now {
                return ["ZADD", keys.delayed, String(runAt.millisecondsSince1970), try job.encoded()]
            }
            return ["XADD", keys.stream, "*", "job", try job.encoded()]
        }
        let replies = try await redis.pipeline(commands)
        for case .error(let message) in replies { throw RedisError(.reply, message) }
    }

    /// New jobs for `consumer`, waiting up to `block` for the first.
    public func read(consumer: String, count: Int, block: Duration = .seconds(1)) async throws -> [Delivery] {
        let reply = try await blocking.send([
            "XREADGROUP", "GROUP", keys.group, consumer, "COUNT", String(count), "BLOCK", String(block.milliseconds),
            "STREAMS", keys.stream, ">",
        ])
        // [[stream, [[id, [field, value, …]], …]]] or nil on timeout.
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2,
            let entries = first[1].array
        else { return [] }
        return entries.compactMap(Delivery.init(entry:))
    }

    /// Takes over jobs that another consumer has held longer than `minIdle` (it died, or it is
    /// stuck); they count as delivered to `consumer`.
    public func reclaim(consumer: String, minIdle: Duration, count: Int) async throws -> [Delivery] {
        let reply = try await redis.send([
            "XAUTOCLAIM", keys.stream, keys.group, consumer, String(minIdle.milliseconds), "0-0", "COUNT",
            String(count),
        ])
        // [next cursor, [[id, fields], …], [deleted ids]]
        guard let parts = reply.array, parts.count >= 2, let entries = parts[1].array else { return [] }
        return entries.compactMap(Delivery.init(entry:))
    }

    /// The job is done: acknowledge and delete it.
    public func ack(_ delivery: Delivery) async throws {
        try await redis.send(["EVAL", QueueScripts.ack, "1", keys.stream, keys.group, delivery.entryID])
    }

    /// Schedules `job` (the failed one, its attempt already incremented) to run after `delay`.
    public func retry(_ delivery: Delivery, as job: Job, after delay: Duration) async throws {
        let due = Date().addingTimeInterval(delay.seconds).millisecondsSince1970
        try await redis.send([
            "EVAL", QueueScripts.retry, "2", keys.stream, keys.delayed, keys.group, delivery.entryID, String(due),
            try job.encoded(),
        ])
    }

    /// Gives up on a job: it goes to the dead-letter stream with the last error.
    public func bury(_ delivery: Delivery, error: String) async throws {
        try await redis.send([
            "EVAL", QueueScripts.bury, "2", keys.stream, keys.dead, keys.group, delivery.entryID, delivery.raw,
            String(error.prefix(2000)), String(Date().millisecondsSince1970),
        ])
    }

    /// Moves delayed jobs whose time has come back to the ready stream; returns how many.
    @discardableResult
    public func promoteDue(limit: Int = 500) async throws -> Int {
        let reply = try await redis.send([
            "EVAL", QueueScripts.promote, "2", keys.delayed, keys.stream, String(Date().millisecondsSince1970),
            String(limit),
        ])
        return Int(reply.integer ?? 0)
    }

    /// Dead jobs, oldest first.
    public func deadJobs(limit: Int = 100) async throws -> [DeadJob] {
        let reply = try await redis.send(["XRANGE", keys.dead, "-", "+", "COUNT", String(limit)])
        return (reply.array ?? []).compactMap(DeadJob.init(entry:))
    }

    /// Runs a dead job again from its first attempt; `false` if there is no such dead job.
    @discardableResult
    public func retryDead(_ entryID: String) async throws -> Bool {
        let reply = try await redis.send(["XRANGE", keys.dead, entryID, entryID])
        guard let dead = (reply.array ?? []).compactMap(DeadJob.init(entry:)).first else { return false }
        var job = try Job.decode(dead.raw)
        job.attempt = 0
        let moved = try await redis.send([
            "EVAL", QueueScripts.resurrect, "2", keys.dead, keys.stream, entryID, try job.encoded(),
        ])
        return moved.integer == 1
    }

    /// Runs every dead job again; returns how many.
    public func retryAllDead() async throws -> Int {
        var count = 0
        while true {
            let batch = try await deadJobs(limit: 100)
            if batch.isEmpty { return count }
            for dead in batch where try await retryDead(dead.entryID) { count += 1 }
        }
    }

    public func stats() async throws -> QueueStats {
        let ready = try await redis.send(["XLEN", keys.stream]).integer ?? 0
        let delayed = try await redis.send(["ZCARD", keys.delayed]).integer ?? 0
        let dead = try await redis.send(["XLEN", keys.dead]).integer ?? 0
        var pending: Int64 = 0
        do {
            // [count, smallest id, largest id, [[consumer, count], …]]
            pending = try await redis.send(["XPENDING", keys.stream, keys.group]).array?.first?.integer ?? 0
        } catch let error as RedisError where error.code == .reply {
            // No group yet: nothing is pending.
        }
        return QueueStats(ready: ready - pending, inFlight: pending, delayed: delayed, dead: dead)
    }
}

/// A job handed to one consumer, with the stream entry that must be acknowledged.
public struct Delivery: Sendable, Hashable {
    public var entryID: String
    /// The job's wire form, kept to bury it unchanged if it cannot be decoded.
    public var raw: String
    /// `nil` when the entry is not a job this version understands.
    public var job: Job?

    init?(entry: RedisValue) {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { return nil }
        let raw = streamFields(parts[1])["job"] ?? ""
        self.entryID = id
        self.raw = raw
        self.job = try? Job.decode(raw)
    }
}

/// A job that failed its last attempt.
public struct DeadJob: Sendable, Hashable {
    public var entryID: String
    public var raw: String
    public var error: String
    public var failedAt: Date
    public var job: Job? { try? Job.decode(raw) }

    init?(entry: RedisValue) {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { return nil }
        let values = streamFields(parts[1])
        entryID = id
        raw = values["job"] ?? ""
        error = values["error"] ?? ""
        failedAt = Date(timeIntervalSince1970: (Double(values["failed_at"] ?? "") ?? 0) / 1000)
    }
}

/// A stream entry's `[field, value, field, value, …]` as a dictionary.
private func streamFields(_ list: RedisValue) -> [String: String] {
    let items = list.array ?? []
    var values: [String: String] = [:]
    for index in stride(from: 0, to: items.count - 1, by: 2) {
        if let key = items[index].string { values[key] = items[index + 1].string ?? "" }
    }
    return values
}

/// How many jobs are where.
public struct QueueStats: Sendable, Hashable {
    /// Waiting in the stream, not yet handed out.
    public var ready: Int64
    /// Handed to a worker, not yet acknowledged.
    public var inFlight: Int64
    /// Waiting for a retry.
    public var delayed: Int64
    /// Failed for good.
    public var dead: Int64

    /// Every job the queue holds, wherever it is.
    public var total: Int64 { ready + inFlight + delayed + dead }
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
