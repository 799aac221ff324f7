import Foundation
import Testing

@testable import JifenCore

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(10))

    @Test func delaysGrowAndStayWithinEqualJitterBounds() throws {
        for attempt in 0..<4 {
            let ceiling = min(Duration.seconds(1 << attempt), .seconds(10))
            let low = try #require(policy.delay(afterFailedAttempt: attempt, random: 0))
            let high = try #require(policy.delay(afterFailedAttempt: attempt, random: 1))
            #expect(low == ceiling / 2)
            #expect(high == ceiling)
        }
        // Whatever the jitter, a later retry never waits less than an earlier one.
        for attempt in 0..<3 {
            let longestNow = try #require(policy.delay(afterFailedAttempt: attempt, random: 1))
            let shortestNext = try #require(policy.delay(afterFailedAttempt: attempt + 1, random: 0))
            #expect(shortestNext >= longestNow)
        }
    }

    @Test func capsTheDelayAndGivesUpAfterTheLastAttempt() {
        let long = RetryPolicy(maxAttempts: 40, baseDelay: .seconds(1), maxDelay: .seconds(60))
        #expect(long.delay(afterFailedAttempt: 35, random: 1) == .seconds(60))
        #expect(policy.delay(afterFailedAttempt: 3) != nil)
        #expect(policy.delay(afterFailedAttempt: 4) == nil)
        #expect(RetryPolicy(maxAttempts: 1).delay(afterFailedAttempt: 0) == nil)
    }
}

@Suite struct JobTests {
    @Test func roundTripsThroughItsWireForm() throws {
        let job = Job(
            id: "outbox:42",
            kind: .scoreOrder,
            tenant: TenantID(UUID()),
            payload: #"{"order_id":"x"}"#,
            attempt: 2,
            enqueuedAt: Date(timeIntervalSince1970: 1_800_000_000.5)
        )
        let wire = try job.encoded()
        #expect(wire.contains(#""kind":"order.score""#))
        #expect(try Job.decode(wire) == job)
    }

    @Test func rejectsGarbage() {
        #expect(throws: (any Error).self) { try Job.decode("not json") }
        #expect(throws: (any Error).self) { try Job.decode(#"{"id":"x"}"#) }
    }
}

@Suite struct DurationTests {
    @Test func convertsAndBacksOff() {
        #expect(Duration.milliseconds(1_234).milliseconds == 1_234)
        #expect(Duration.seconds(2).seconds == 2)
        #expect(Duration.reconnectDelay(afterFailures: 1) == .milliseconds(200))
        #expect(Duration.reconnectDelay(afterFailures: 3) == .milliseconds(800))
        #expect(Duration.reconnectDelay(afterFailures: 50) == .seconds(2))
    }
}
