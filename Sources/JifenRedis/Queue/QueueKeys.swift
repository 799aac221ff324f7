/// Redis key names of one queue. They share a hash tag (`{name}`), so they live in one slot
/// and the Lua scripts that touch several of them also run on Redis Cluster.
public struct QueueKeys: Sendable, Hashable {
    public let name: String
    /// The stream of ready jobs, read by the consumer group.
    public var stream: String { "{\(name)}:jobs" }
    /// Jobs waiting for a retry, scored by due time (ms since 1970).
    public var delayed: String { "{\(name)}:delayed" }
    /// Jobs that failed their last attempt.
    public var dead: String { "{\(name)}:dead" }
    /// The scheduler's lease: whoever holds it enqueues the periodic sweeps.
    public var schedulerLease: String { "{\(name)}:scheduler" }
    /// The one consumer group every worker joins.
    public var group: String { "workers" }

    public init(name: String = "jifen") { self.name = name }
}
