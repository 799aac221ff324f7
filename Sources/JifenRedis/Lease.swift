import JifenCore

/// A lease in Redis that at most one holder has at a time: `SET NX PX` to take it, a renewal
/// that only the holder can make, and an expiry that hands it on when the holder dies.
///
/// ```swift
/// let lease = Lease(redis: redis, key: keys.schedulerLease, holder: "worker-7", ttl: .seconds(10))
/// if try await lease.acquireOrRenew() { /* this process holds it for `ttl` */ }
/// ```
public struct Lease: Sendable {
    let redis: RedisClient
    public let key: String
    /// Who holds it: unique per process, so a restarted process does not mistake an old lease
    /// for its own.
    public let holder: String
    public let ttl: Duration

    public init(redis: RedisClient, key: String, holder: String, ttl: Duration) {
        self.redis = redis
        self.key = key
        self.holder = holder
        self.ttl = ttl
    }

    /// Takes the lease if it is free, or extends it if this holder has it; `false` if someone
    /// else holds it. Atomic (Lua): a holder whose lease just expired cannot extend another's.
    public func acquireOrRenew() async throws -> Bool {
        let reply = try await redis.send(["EVAL", Self.script, "1", key, holder, String(ttl.milliseconds)])
        return reply.integer == 1
    }

    /// Gives the lease up (on shutdown), if this holder has it, so another takes over at once.
    public func release() async throws {
        _ = try await redis.send(["EVAL", Self.releaseScript, "1", key, holder])
    }

    /// The current holder, if any.
    public func currentHolder() async throws -> String? {
        try await redis.send(["GET", key]).string
    }

    static let script = """
        local current = redis.call('GET', KEYS[1])
        if current == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
        end
        if current then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
        return 1
        """

    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
}
