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
        // Until the first refusal (a loaded machine may refill a token between two takes, so a
        // fixed number of takes could all be allowed), at most 100.
        for _ in 0..<100 {
            decisions.append(try await limiter.take(key: key, limit: limit))
            if decisions.last?.allowed == false { break }
        }
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
        // The other key's bucket is full although the first one's is empty; then it empties
        // too (bounded by the seconds that passed, as a loaded machine may refill one).
        let other = "b-\(UUID())"
        let start = ContinuousClock.now
        #expect(try await limiter.take(key: other, limit: limit).allowed)
        var allowed = 1
        for _ in 0..<3 where try await limiter.take(key: other, limit: limit).allowed { allowed += 1 }
        let refill = Int((ContinuousClock.now - start) / .seconds(1))
        #expect(allowed <= 1 + refill, "\(allowed) of 4 allowed with a bucket of 1 in \(refill) s")
    }

    @Test func aBusyKeyLeasesTokensAndSpendsThemWithoutARoundTrip() async throws {
        let key = UUID().uuidString
        let limit = RateLimit(perSecond: 1000, burst: 20_000)
        #expect(RateLimiter.leaseSize(for: limit) == 50)
        // A lease that outlives the test: on a loaded machine a second between two takes would
        // end a 1-second lease, and the next take would (rightly) fetch a new one.
        let leasing = RateLimiter(redis: TestServers.shared.redis, prefix: limiter.prefix, leaseLifetime: .seconds(600))
        let start = ContinuousClock.now
        var remaining: [Int] = []
        for _ in 0..<50 { remaining.append(try await leasing.take(key: key, limit: limit).remaining) }
        // The lease's tokens count as there until spent: the header goes down one at a time.
        #expect(remaining.first == 19_999)
        #expect(zip(remaining, remaining.dropFirst()).allSatisfy { $0 - $1 == 1 }, "\(remaining)")
        // Another process sharing the bucket finds the first lease's 50 gone after one script,
        // and takes its own 50 (refill at 1,000 a second adds back what the test's time allows).
        let other = RateLimiter(redis: TestServers.shared.redis, prefix: limiter.prefix)
        let seen = try await other.take(key: key, limit: limit)
        let refill = Int((ContinuousClock.now - start) / .seconds(1) * 1000) + 1
        #expect(seen.allowed)
        let inRedis = seen.remaining - 49
        #expect((19_900...min(19_900 + refill, 19_950)).contains(inRedis), "\(inRedis) left, refill \(refill)")
    }

    @Test func processesSharingAKeyNeverTogetherExceedItsBurst() async throws {
        let key = UUID().uuidString
        // Leases of 2: each process may hold tokens the other cannot use, never more in total.
        let limit = RateLimit(perSecond: 100, burst: 20)
        #expect(RateLimiter.leaseSize(for: limit) == 2)
        let processes = (0..<3).map { _ in RateLimiter(redis: TestServers.shared.redis, prefix: limiter.prefix) }
        let start = ContinuousClock.now
        var allowed = 0
        for round in 0..<30 where try await processes[round % 3].take(key: key, limit: limit).allowed {
            allowed += 1
        }
        let refill = Int((ContinuousClock.now - start) / .seconds(1) * 100) + 1
        #expect(allowed <= 20 + refill, "\(allowed) allowed with a burst of 20")
        #expect(allowed >= 14, "leases lost too many tokens: \(allowed) allowed")
    }

    @Test func aChangedLimitTakesANewLease() async throws {
        let key = UUID().uuidString
        _ = try await limiter.take(key: key, limit: RateLimit(perSecond: 1000, burst: 2000))
        // The tenant's limit was lowered to one token: the old lease must not serve it.
        // The old lease holds dozens of tokens; the new limit allows one, plus one a second. The
        // bound counts the seconds that passed, so a slow machine cannot make the test fail.
        let lowered = RateLimit(perSecond: 1, burst: 1)
        let start = ContinuousClock.now
        var allowed = 0
        for _ in 0..<5 {
            let decision = try await limiter.take(key: key, limit: lowered)
            #expect(decision.limit == 1)
            if decision.allowed { allowed += 1 }
        }
        let refill = Int((ContinuousClock.now - start) / .seconds(1))
        #expect(allowed >= 1)
        #expect(allowed <= 1 + refill, "\(allowed) of 5 allowed under a limit of 1 in \(refill) s")
    }
}
