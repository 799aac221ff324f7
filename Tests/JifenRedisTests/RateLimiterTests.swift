import Foundation
import JifenCore
import JifenTestSupport
import Testing

@testable import JifenRedis

/// The token bucket's arithmetic and atomicity, against the real Redis.
@Suite struct RateLimiterTests {
    let limiter = RateLimiter(redis: TestServers.shared.redis, prefix: "test:\(UUID().uuidString)")

    @Test func aFullBucketServesBurstThenRefusesWithTheWait() async throws {
        let key = UUID().uuidString
        let limit = RateLimit(perSecond: 2, burst: 4)
        let start = ContinuousClock.now
        var decisions: [RateLimiter.Decision] = []
        for _ in 0..<6 { decisions.append(try await limiter.take(key: key, limit: limit)) }
        let elapsed = ContinuousClock.now - start
        // At 2 tokens a second, the run may have earned some back; bound it by the time taken.
        let refill = Int((elapsed / .seconds(1)) * 2) + 1
        let allowed = decisions.filter(\.allowed).count
        #expect((4...(4 + refill)).contains(allowed), "\(allowed) allowed in \(elapsed)")
        #expect(decisions[0].allowed && decisions[0].remaining == 3 && decisions[0].limit == 4)
        #expect(decisions[0].retryAfterSeconds == 0)
        // Three tokens short of full at 2/s: 2 s (rounded up) until full.
        #expect(decisions[0].resetSeconds == 1)
        let refused = try #require(decisions.last { !$0.allowed }, "nothing refused: \(decisions)")
        #expect(refused.remaining == 0)
        #expect(refused.retryAfterSeconds == 1)
        #expect(refused.resetSeconds == 2)
    }

    @Test func concurrentTakesNeverSpendATokenTwice() async throws {
        let key = UUID().uuidString
        let limit = RateLimit(perSecond: 1, burst: 10)
        let start = ContinuousClock.now
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<30 { group.addTask { try await limiter.take(key: key, limit: limit).allowed } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let refill = Int((ContinuousClock.now - start) / .seconds(1)) + 1
        #expect((10...(10 + refill)).contains(allowed), "\(allowed) of 30 allowed with a bucket of 10")
    }

    @Test func keysHaveSeparateBuckets() async throws {
        let limit = RateLimit(perSecond: 1, burst: 1)
        #expect(try await limiter.take(key: "a-\(UUID())", limit: limit).allowed)
        let other = "b-\(UUID())"
        #expect(try await limiter.take(key: other, limit: limit).allowed)
        #expect(try await !limiter.take(key: other, limit: limit).allowed)
    }
}
