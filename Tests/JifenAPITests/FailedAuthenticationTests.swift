import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import NIOConcurrencyHelpers
import Testing

@testable import JifenAPI

/// A wrong credential is cheap for us and expensive for whoever guesses.
@Suite struct FailedAuthenticationTests {
    static func unknownKey(_ tenant: TenantID, _ filler: Character = "x") -> String {
        "jf_\(tenant.rawValue.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))_"
            + String(repeating: filler, count: 32)
    }

    @Test func anUnknownKeyIsLookedUpOnceThenAnsweredFromMemory() async throws {
        let servers = try await TestServers.shared.ready()
        let store = TenantStore(database: servers.database)
        let lookups = NIOLockedValueBox(0)
        let keys = KeyAuthenticator { token in
            lookups.withLockedValue { $0 += 1 }
            return try await store.authenticate(token)
        }
        let shop = try await makeTenant("negative cache")
        let wrong = Self.unknownKey(shop.tenant)
        for _ in 0..<5 { #expect(try await keys.authenticate(wrong) == nil) }
        #expect(lookups.withLockedValue { $0 } == 1)
        #expect(keys.rememberedCount == 1)
        // A live key is never remembered as unknown, and is looked up each time (a revocation
        // takes effect at once).
        #expect(try await keys.authenticate(shop.key)?.tenant == shop.tenant)
        #expect(try await keys.authenticate(shop.key)?.tenant == shop.tenant)
        #expect(lookups.withLockedValue { $0 } == 3)
        #expect(keys.rememberedCount == 1)
    }

    @Test func theMemoryOfUnknownKeysIsBounded() async throws {
        let keys = KeyAuthenticator(capacity: 100) { _ in nil }
        for index in 0..<1_000 { _ = try await keys.authenticate("guess-\(index)") }
        #expect(keys.rememberedCount <= 100)
        #expect(keys.rememberedCount > 0)
    }

    @Test func anAddressThatKeepsFailingGets429WithRetryAfter() async throws {
        let shop = try await makeTenant("failure limit")
        var configuration = testAPIConfiguration
        configuration.authFailureBurst = 3
        configuration.authFailuresPerMinute = 1
        try await withAPI(configuration: configuration) { api in
            for attempt in 0..<3 {
                let response = try await api.send(
                    .get,
                    "/v1/members",
                    key: Self.unknownKey(shop.tenant, "\(attempt)".first!)
                )
                #expect(response.status == .unauthorized)
            }
            let refused = try await api.send(.get, "/v1/members", key: Self.unknownKey(shop.tenant, "z"))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.problemType() == "/problems/rate-limited")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(retryAfter))
            // The operator is not a guesser: its token still works from the same address.
            let asOperator = try await api.send(.get, "/admin/tenants/\(shop.tenant)", key: operatorToken)
            #expect(asOperator.status == .ok)
        }
    }

    @Test func limiterRefillsAndForgets() {
        let limiter = FailedAuthLimiter(burst: 2, perMinute: 60, capacity: 10)
        #expect(limiter.refusal(for: "a") == nil)
        limiter.recordFailure(for: "a")
        limiter.recordFailure(for: "a")
        let wait = limiter.refusal(for: "a")
        #expect(wait != nil && wait! >= 1)
        #expect(limiter.refusal(for: "b") == nil)
        // Many addresses never grow it past its capacity (it forgets full buckets first).
        for index in 0..<100 { limiter.recordFailure(for: "addr-\(index)") }
        #expect(limiter.trackedCount <= 10)
    }
}
