import Foundation
import JifenCore
import NIOPosix

/// The reliable job queue (docs/operations.md, How a job flows), in lanes, fair between
/// tenants, on Redis lists and Lua scripts (``QueueScripts``).
///
/// - Each lane (``JobLane``) keeps one list of ready jobs per tenant and a ring of the tenants
///   that have some: ``take(_:block:)`` serves the tenants in turn, so a tenant with 20,000
///   queued jobs delays another tenant's next job by about one job, not 20,000. A tenant's
///   running jobs per lane are capped; at its cap it waits for one to end.
/// - A taken job runs until the worker acknowledges it, after its PostgreSQL transaction
///   committed (``ack(_:)``). A worker that dies leaves it running; ``reclaim(minIdle:count:)``
///   gives it to another after the visibility timeout.
/// - A failed job waits in a delayed sorted set (``retry(_:as:after:)``) and is moved back by
///   ``promoteDue(limit:)``; after its last attempt it goes to a dead-letter stream.
///
/// Delivery is at least once; handlers are idempotent.
public struct JobQueue: Sendable {
    public let keys: QueueKeys
    /// Short commands.
    let redis: RedisClient
    /// `BLPOP` on the wake list holds its connection and thread for up to a second: it gets its
    /// own client, on its own threads, so it never starves short commands.
    let blocking: RedisClient

    public init(keys: QueueKeys = QueueKeys(), redis: RedisClient, blocking: RedisClient? = nil) {
        self.keys = keys
        self.redis = redis
        self.blocking = blocking ?? redis
    }

    /// How many jobs to take from one lane, and how many of one tenant's may run at once.
    public struct LaneRequest: Sendable, Hashable {
        public var lane: JobLane
        public var count: Int
        public var tenantCap: Int

        public init(lane: JobLane, count: Int, tenantCap: Int = .max) {
            self.lane = lane
            self.count = count
            self.tenantCap = tenantCap
        }
    }

    /// Moves the jobs a worker before lanes left in its stream (`{queue}:jobs`, ready or taken
    /// and never settled) into their lanes, then deletes the stream; returns how many. Safe to
    /// run from every worker at once: an entry is deleted only after it is enqueued, so a job is
    /// never lost, at worst run twice (handlers are idempotent). Jobs a worker before lanes
    /// still runs are run again too; deploy the new workers with the old ones stopped.
    @discardableResult
    public func adoptLegacyStream() async throws -> Int {
        guard try await redis.send(["TYPE", keys.legacyStream]).string == "stream" else { return 0 }
        var moved = 0
        while true {
            let reply = try await redis.send(["XRANGE", keys.legacyStream, "-", "+", "COUNT", "500"])
            // The same entry shape (a `job` field) as the dead-letter stream's.
            let entries = (reply.array ?? []).compactMap(DeadJob.init(entry:))
            if entries.isEmpty { break }
            let jobs = entries.compactMap(\.job)
            try await enqueue(jobs)
            try await redis.send(["XDEL", keys.legacyStream] + entries.map(\.entryID))
            moved += jobs.count
        }
        try await redis.send(["DEL", keys.legacyStream])
        return moved
    }

    /// Adds a job: ready in its lane, or to the delayed set while its `runAt` is ahead.
    public func enqueue(_ job: Job) async throws {
        try await enqueue([job])
    }

    /// Adds jobs in one round trip (the outbox relay's batches).
    public func enqueue(_ jobs: [Job]) async throws {
        guard !jobs.isEmpty else { return }
        let now = Date().millisecondsSince1970
        var arguments = ["EVAL", QueueScripts.enqueue, "1", keys.jobs, keys.root, String(now)]
        arguments.reserveCapacity(arguments.count + jobs.count * 4)
        for job in jobs {
            let due = job.runAt.map(\.millisecondsSince1970).map { $0 > now ? $0 : 0 } ?? 0
            arguments += [job.kind.lane.rawValue, job.fairnessKey, try job.encoded(), String(due)]
        }
        try await redis.send(arguments)
    }

    /// Takes up to `limit` ready jobs, lane by lane in the order given, tenants in turn within a
    /// lane. When there are none, waits up to `block` for a new one before trying once more.
    public func take(
        _ requests: [LaneRequest],
        limit: Int,
        block: Duration = .seconds(1)
    ) async throws -> [Delivery] {
        let wanted = requests.filter { $0.count > 0 }
        guard !wanted.isEmpty, limit > 0 else { return [] }
        let taken = try await takeNow(wanted, limit: limit)
        guard taken.isEmpty, block > .zero else { return taken }
        // Fractional seconds: BLPOP takes them since Redis 6.
        let seconds = String(format: "%.3f", Double(block.milliseconds) / 1000)
        _ = try await blocking.send(["BLPOP", "\(keys.root):wake", seconds])
        return try await takeNow(wanted, limit: limit)
    }

    /// Up to `count` jobs from any lane, no tenant cap: for tests and one-off tools.
    public func read(count: Int, block: Duration = .seconds(1)) async throws -> [Delivery] {
        try await take(JobLane.allCases.map { LaneRequest(lane: $0, count: count) }, limit: count, block: block)
    }

    private func takeNow(_ requests: [LaneRequest], limit: Int) async throws -> [Delivery] {
        var arguments = [
            "EVAL", QueueScripts.take, "1", keys.jobs, keys.root, String(Date().millisecondsSince1970), String(limit),
        ]
        for request in requests {
            arguments += [request.lane.rawValue, String(request.count), String(min(request.tenantCap, 1_000_000))]
        }
        return Delivery.list(try await redis.send(arguments))
    }

    /// Takes over jobs that have run longer than `minIdle` without being settled (their worker
    /// died, or hangs); they count as running for the caller from now.
    public func reclaim(minIdle: Duration, count: Int) async throws -> [Delivery] {
        let now = Date().millisecondsSince1970
        let reply = try await redis.send([
            "EVAL", QueueScripts.reclaim, "1", keys.jobs, keys.root, String(now), String(now - minIdle.milliseconds),
            String(count),
        ])
        return Delivery.list(reply)
    }

    /// The job is done.
    public func ack(_ delivery: Delivery) async throws {
        try await redis.send(["EVAL", QueueScripts.ack, "1", keys.jobs, keys.root, delivery.entryID])
    }

    /// Schedules `job` (the failed one, its attempt already incremented) to run after `delay`.
    public func retry(_ delivery: Delivery, as job: Job, after delay: Duration) async throws {
        let due = Date().addingTimeInterval(delay.seconds).millisecondsSince1970
        try await redis.send([
            "EVAL", QueueScripts.retry, "1", keys.jobs, keys.root, delivery.entryID, String(due),
            "\(job.kind.lane.rawValue)|\(job.fairnessKey)|\(try job.encoded())",
        ])
    }

    /// Gives up on a job: it goes to the dead-letter stream with the last error.
    public func bury(_ delivery: Delivery, error: String) async throws {
        try await redis.send([
            "EVAL", QueueScripts.bury, "1", keys.jobs, keys.root, delivery.entryID, delivery.raw,
            String(error.prefix(2000)), String(Date().millisecondsSince1970),
        ])
    }

    /// Moves delayed jobs whose time has come back to their lanes; returns how many.
    @discardableResult
    public func promoteDue(limit: Int = 500) async throws -> Int {
        let reply = try await redis.send([
            "EVAL", QueueScripts.promote, "1", keys.jobs, keys.root, String(Date().millisecondsSince1970),
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
            "EVAL", QueueScripts.resurrect, "1", keys.jobs, keys.root, entryID, String(Date().millisecondsSince1970),
            job.kind.lane.rawValue, job.fairnessKey, try job.encoded(),
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
        var commands = [["ZCARD", keys.inflight], ["ZCARD", keys.delayed], ["XLEN", keys.dead]]
        for lane in JobLane.allCases {
            commands += [["ZCARD", keys.ages(lane)], ["ZRANGE", keys.ages(lane), "0", "0", "WITHSCORES"]]
        }
        let replies = try await redis.pipeline(commands)
        let now = Date().millisecondsSince1970
        var lanes: [JobLane: LaneStats] = [:]
        for (index, lane) in JobLane.allCases.enumerated() {
            let depth = replies[3 + index * 2].integer ?? 0
            let oldest = replies[4 + index * 2].array?.last?.string.flatMap(Double.init).map(Int64.init)
            lanes[lane] = LaneStats(
                ready: depth,
                oldestAge: oldest.map { .milliseconds(max(0, now - $0)) }
            )
        }
        return QueueStats(
            inFlight: replies[0].integer ?? 0,
            delayed: replies[1].integer ?? 0,
            dead: replies[2].integer ?? 0,
            lanes: lanes
        )
    }
}

/// A job handed to one worker, with the token that settles it.
public struct Delivery: Sendable, Hashable {
    public var entryID: String
    /// The job's wire form, kept to bury it unchanged if it cannot be decoded.
    public var raw: String
    public var lane: JobLane?
    /// `nil` when the entry is not a job this version understands.
    public var job: Job?

    init(token: String, stored: String) {
        entryID = token
        // `lane|tenant|job`: the job's JSON may contain `|`, the lane and tenant never do.
        let parts = stored.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3 {
            lane = JobLane(rawValue: String(parts[0]))
            raw = String(parts[2])
        } else {
            lane = nil
            raw = stored
        }
        job = try? Job.decode(raw)
    }

    /// `[token, stored, token, stored, …]` as the take and reclaim scripts return them.
    static func list(_ reply: RedisValue) -> [Delivery] {
        let items = reply.array ?? []
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            guard let token = items[index].string, let stored = items[index + 1].string else { return nil }
            return Delivery(token: token, stored: stored)
        }
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

/// One lane's ready jobs.
public struct LaneStats: Sendable, Hashable {
    public var ready: Int64
    /// How long the oldest ready job has waited; `nil` when none is.
    public var oldestAge: Duration?

    public init(ready: Int64, oldestAge: Duration?) {
        self.ready = ready
        self.oldestAge = oldestAge
    }
}

/// How many jobs are where.
public struct QueueStats: Sendable, Hashable {
    /// Taken by a worker, not yet settled.
    public var inFlight: Int64
    /// Waiting for a retry.
    public var delayed: Int64
    /// Failed for good.
    public var dead: Int64
    public var lanes: [JobLane: LaneStats]

    /// Ready in any lane, not yet taken.
    public var ready: Int64 { lanes.values.reduce(0) { $0 + $1.ready } }
    /// Every job the queue holds, wherever it is.
    public var total: Int64 { ready + inFlight + delayed + dead }

    public func lane(_ lane: JobLane) -> LaneStats { lanes[lane] ?? LaneStats(ready: 0, oldestAge: nil) }
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
