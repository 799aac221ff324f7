import JifenCore
import NIOConcurrencyHelpers

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
///
/// A busy key does not cost a round trip per request: the script hands out a small *lease* of
/// tokens (``leaseSize(for:)``, at most 5 % of a second's budget), which this process spends
/// locally for up to ``leaseLifetime``. Leased tokens left over when the lease ends are lost, so
/// leasing can only make a key's limit stricter, never looser, however many API processes share
/// it; `RateLimit-Remaining` counts the lease's tokens as still there. A key with a small limit
/// leases one token at a time: exactly one script per request, as without leases.
public struct RateLimiter: Sendable {
    let redis: RedisClient
    let prefix: String
    let leaseLifetime: Duration
    private let leases = Leases()

    /// `prefix` namespaces the buckets (the job queue's name), so two deployments sharing a
    /// Redis do not share budgets. It is the keys' hash tag, as the queue's keys have it: every
    /// key of a deployment lives in one Redis Cluster slot.
    public init(redis: RedisClient, prefix: String, leaseLifetime: Duration = .seconds(1)) {
        self.redis = redis
        self.prefix = prefix
        self.leaseLifetime = leaseLifetime
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
        let now = ContinuousClock.now
        if let decision = leases.spend(key: key, limit: limit, now: now) { return decision }
        let wanted = Self.leaseSize(for: limit)
        let reply = try await redis.send([
            "EVAL", Self.script, "1", "{\(prefix)}:ratelimit:\(key)", String(limit.perSecond), String(limit.burst),
            String(wanted),
        ])
        guard let values = reply.array?.compactMap(\.integer), values.count == 4,
            (0...Int64(wanted)).contains(values[0])
        else {
            throw RedisError(.reply, "unexpected rate limit reply \(reply)")
        }
        let granted = Int(values[0])
        let decision = Decision(
            allowed: granted > 0,
            limit: limit.burst,
            remaining: Int(values[1]) + max(granted - 1, 0),
            resetSeconds: Self.seconds(milliseconds: values[2]),
            retryAfterSeconds: Self.seconds(milliseconds: values[3])
        )
        if granted > 1 {
            leases.keep(
                key: key,
                Lease(tokens: granted - 1, limit: limit, expiry: now + leaseLifetime, decision: decision)
            )
        }
        return decision
    }

    /// Tokens a process takes from Redis at once: 5 % of a second's budget, a tenth of the burst
    /// at most, at least one.
    static func leaseSize(for limit: RateLimit) -> Int {
        max(1, min(limit.perSecond / 20, limit.burst / 10))
    }

    struct Lease {
        var tokens: Int
        /// The limit it was taken under: a changed limit takes a new lease.
        var limit: RateLimit
        var expiry: ContinuousClock.Instant
        /// The answer when it was taken, `remaining` counting the lease's tokens.
        var decision: Decision
    }

    /// This process's leases by key; bounded, as a flood of keys must not grow memory.
    final class Leases: Sendable {
        let capacity = 10_000
        private let byKey = NIOLockedValueBox<[String: Lease]>([:])

        func spend(key: String, limit: RateLimit, now: ContinuousClock.Instant) -> Decision? {
            byKey.withLockedValue { leases in
                guard var lease = leases[key] else { return nil }
                guard lease.tokens > 0, lease.expiry > now, lease.limit == limit else {
                    leases[key] = nil
                    return nil
                }
                lease.tokens -= 1
                lease.decision.remaining = max(lease.decision.remaining - 1, 0)
                leases[key] = lease.tokens > 0 ? lease : nil
                return lease.decision
            }
        }

        func keep(key: String, _ lease: Lease) {
            let now = ContinuousClock.now
            byKey.withLockedValue { leases in
                if leases.count >= capacity {
                    leases = leases.filter { $0.value.expiry > now }
                    if leases.count >= capacity { leases.removeAll() }
                }
                // Two requests that found no lease at once both took one: keep both.
                if var held = leases[key], held.expiry > now, held.limit == lease.limit {
                    held.tokens += lease.tokens
                    held.decision = lease.decision
                    leases[key] = held
                } else {
                    leases[key] = lease
                }
            }
        }
    }

    /// Whole seconds, rounded up: a client that waits this long is never refused for being early.
    static func seconds(milliseconds: Int64) -> Int {
        Int((max(milliseconds, 0) + 999) / 1000)
    }

    /// KEYS[1] bucket; ARGV rate (tokens/s), burst, tokens wanted (the lease). Tokens are kept
    /// in thousandths so slow rates refill smoothly with integer arithmetic. Returns {tokens
    /// granted (0: refused), remaining tokens, ms until full, ms until the next token when
    /// refused}.
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
            tokens = tokens + (now - at) * rate
            at = now
        end
        -- Clamped whether or not time advanced: a limit lowered within the same millisecond as
        -- the bucket's last take must not serve the tokens of the old, larger bucket.
        tokens = math.min(capacity, tokens)
        local wanted = tonumber(ARGV[3])
        local granted = 0
        local wait = 0
        if tokens >= 1000 then
            granted = math.min(wanted, math.floor(tokens / 1000))
            tokens = tokens - granted * 1000
        else
            wait = math.ceil((1000 - tokens) / rate)
        end
        local full = math.ceil((capacity - tokens) / rate)
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
        redis.call('PEXPIRE', KEYS[1], full + 1000)
        return {granted, math.floor(tokens / 1000), full, wait}
        """
}
