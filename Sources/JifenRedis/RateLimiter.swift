import JifenCore

/// A token bucket per API key in Redis, taken atomically by one Lua script so any number of
/// API processes share one budget per key.
///
/// The script reads Redis' own clock (`TIME`), not the callers': API hosts with skewed clocks
/// would otherwise refill the bucket too fast or too slow.
///
/// ```swift
/// let decision = try await limiter.take(key: keyID.uuidString, limit: RateLimit(perSecond: 20, burst: 40))
/// if !decision.allowed { /* 429, Retry-After: decision.retryAfterSeconds */ }
/// ```
public struct RateLimiter: Sendable {
    let redis: RedisClient
    let prefix: String

    /// `prefix` namespaces the buckets (the job queue's name), so two deployments sharing a
    /// Redis do not share budgets. It is the keys' hash tag, as the queue's keys have it: every
    /// key of a deployment lives in one Redis Cluster slot.
    public init(redis: RedisClient, prefix: String) {
        self.redis = redis
        self.prefix = prefix
    }

    public struct Decision: Sendable, Hashable {
        public var allowed: Bool
        /// The bucket's size: `RateLimit-Limit`.
        public var limit: Int
        /// Whole tokens left after this request: `RateLimit-Remaining`.
        public var remaining: Int
        /// Seconds until the bucket is full again: `RateLimit-Reset`.
        public var resetSeconds: Int
        /// When refused, seconds until one token is back: `Retry-After`. 0 when allowed.
        public var retryAfterSeconds: Int
    }

    public func take(key: String, limit: RateLimit) async throws -> Decision {
        let reply = try await redis.send([
            "EVAL", Self.script, "1", "{\(prefix)}:ratelimit:\(key)", String(limit.perSecond), String(limit.burst),
        ])
        guard let values = reply.array?.compactMap(\.integer), values.count == 4 else {
            throw RedisError(.reply, "unexpected rate limit reply \(reply)")
        }
        return Decision(
            allowed: values[0] == 1,
            limit: limit.burst,
            remaining: Int(values[1]),
            resetSeconds: Self.seconds(milliseconds: values[2]),
            retryAfterSeconds: Self.seconds(milliseconds: values[3])
        )
    }

    /// Whole seconds, rounded up: a client that waits this long is never refused for being early.
    static func seconds(milliseconds: Int64) -> Int {
        Int((max(milliseconds, 0) + 999) / 1000)
    }

    /// KEYS[1] bucket; ARGV rate (tokens/s), burst. Tokens are kept in thousandths so slow
    /// rates refill smoothly with integer arithmetic. Returns {allowed, remaining tokens,
    /// ms until full, ms until the next token when refused}.
    static let script = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local capacity = burst * 1000
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1])
        local at = tonumber(state[2])
        if tokens == nil or at == nil then
            tokens = capacity
            at = now
        end
        if now > at then
            tokens = math.min(capacity, tokens + (now - at) * rate)
            at = now
        end
        local allowed = 0
        local wait = 0
        if tokens >= 1000 then
            tokens = tokens - 1000
            allowed = 1
        else
            wait = math.ceil((1000 - tokens) / rate)
        end
        local full = math.ceil((capacity - tokens) / rate)
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
        redis.call('PEXPIRE', KEYS[1], full + 1000)
        return {allowed, math.floor(tokens / 1000), full, wait}
        """
}
