import NIOConcurrencyHelpers

/// A token bucket of failed authentications per client address: `burst` failures at once,
/// refilled at `perMinute`. Once empty, the address gets 429 without a lookup until a token
/// is back. In-process (each API instance counts its own), bounded in memory, and it never
/// slows a client that authenticates successfully without failing first.
public final class FailedAuthLimiter: Sendable {
    struct Bucket: Sendable {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let burst: Int
    let perMinute: Int
    let capacity: Int
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    public init(burst: Int = 20, perMinute: Int = 60, capacity: Int = 50_000) {
        self.burst = max(1, burst)
        self.perMinute = max(1, perMinute)
        self.capacity = capacity
    }

    private func refilled(_ bucket: Bucket, now: ContinuousClock.Instant) -> Bucket {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Bucket(tokens: min(Double(burst), bucket.tokens + seconds * Double(perMinute) / 60), updated: now)
    }

    /// Seconds to wait when `client` has no failure left to spend, else `nil`.
    public func refusal(for client: String) -> Int? {
        let now = ContinuousClock.now
        return buckets.withLockedValue { buckets in
            guard let bucket = buckets[client] else { return nil }
            let current = refilled(bucket, now: now)
            buckets[client] = current
            guard current.tokens < 1 else { return nil }
            return max(1, Int(((1 - current.tokens) * 60 / Double(perMinute)).rounded(.up)))
        }
    }

    public func recordFailure(for client: String) {
        let now = ContinuousClock.now
        buckets.withLockedValue { buckets in
            if buckets[client] == nil, buckets.count >= capacity {
                // Full buckets carry no information: forget them first.
                buckets = buckets.filter { refilled($0.value, now: now).tokens < Double(burst) }
                if buckets.count >= capacity { buckets.removeAll(keepingCapacity: true) }
            }
            var bucket = buckets[client].map { refilled($0, now: now) } ?? Bucket(tokens: Double(burst), updated: now)
            bucket.tokens = max(0, bucket.tokens - 1)
            buckets[client] = bucket
        }
    }

    /// How many addresses are tracked (for tests).
    var trackedCount: Int { buckets.withLockedValue { $0.count } }
}
