import JifenCore

/// Redis key names of one queue. They share a hash tag (`{name}`), so they live in one slot
/// and the Lua scripts that touch several of them also run on Redis Cluster.
public struct QueueKeys: Sendable, Hashable {
    public let name: String
    /// The prefix of every key: the hash tag. The scripts derive the per-lane and per-tenant
    /// keys from it (all in the same slot).
    public var root: String { "{\(name)}" }
    /// Every job the queue holds, ready or running, by token: `lane|tenant|job`.
    public var jobs: String { "\(root):entries" }
    /// Where Jifen before lanes (0.8) kept its ready jobs: a stream, emptied into the lanes by
    /// ``JobQueue/adoptLegacyStream()`` when a worker starts.
    public var legacyStream: String { "\(root):jobs" }
    /// Jobs waiting for a retry, scored by due time (ms since 1970).
    public var delayed: String { "\(root):delayed" }
    /// Jobs that failed their last attempt (a stream: id, job, error, failed_at).
    public var dead: String { "\(root):dead" }
    /// Running jobs' tokens, scored by when they were taken (ms): the visibility timeout's clock.
    public var inflight: String { "\(root):inflight" }
    /// Ready jobs of `lane`, scored by when they became ready (ms): its depth and oldest age.
    public func ages(_ lane: JobLane) -> String { "\(root):lane:\(lane):ages" }
    /// The scheduler's lease: whoever holds it enqueues the periodic sweeps.
    public var schedulerLease: String { "\(root):scheduler" }

    public init(name: String = "jifen") { self.name = name }
}
