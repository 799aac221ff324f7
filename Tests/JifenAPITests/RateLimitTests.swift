import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenTestSupport
import Testing

/// Per-key token buckets in the real Redis, set per tenant by the operator.
@Suite struct RateLimitTests {
    @Test func aKeyOverItsTenantsLimitGets429UntilRetryAfter() async throws {
        let shop = try await makeTenant("rate limited shop")
        let neighbour = try await makeTenant("neighbour shop")
        try await withAPI { api async throws in
            let set = try await api.send(
                .put,
                "/admin/tenants/\(shop.tenant)/rate-limit",
                key: operatorToken,
                json: #"{"requests_per_second": 1, "burst": 3}"#
            )
            #expect(set.status == .ok)
            let limit = try #require(try set.json()["rate_limit"] as? [String: Any])
            #expect(limit["requests_per_second"] as? Int == 1)
            #expect(limit["burst"] as? Int == 3)
            #expect(limit["source"] as? String == "tenant")

            // The bucket holds 3: three pass, each saying what is left.
            var remaining: [String?] = []
            for _ in 0..<3 {
                let response = try await api.send(.get, "/v1/members", key: shop.key)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                remaining.append(response.headers[HTTPField.Name("RateLimit-Remaining")!])
            }
            // Refill is 1/s: a slow run may have earned one back between requests.
            #expect(remaining.last == "0" || remaining.last == "1", "\(remaining)")

            // Drain whatever trickled back in, then the next one is refused.
            var refused: TestResponseSnapshot?
            for _ in 0..<5 {
                let response = try await api.send(.get, "/v1/members", key: shop.key)
                if response.status == .tooManyRequests {
                    refused = TestResponseSnapshot(response)
                    break
                }
            }
            let problem = try #require(refused, "no 429 within 8 requests at 1 request a second")
            #expect(problem.contentType == "application/problem+json")
            #expect(problem.json["type"] as? String == "/problems/rate-limited")
            let retryAfter = try #require(problem.retryAfter.flatMap(Int.init))
            #expect((1...2).contains(retryAfter))
            #expect(problem.remaining == "0")

            // A refused request was not let through: a POST over the limit writes nothing.
            let post = try await api.send(.put, "/v1/members/over-limit", key: shop.key, json: "{}")
            if post.status == .tooManyRequests {
                #expect(try await TestServers.shared.ready().count("members", tenant: shop.tenant) == 0)
            }

            // Another tenant's key has its own (default) bucket.
            let other = try await api.send(.get, "/v1/members", key: neighbour.key)
            #expect(other.status == .ok)

            // A client that waits Retry-After is served: the header rounds up, never down.
            try await Task.sleep(for: .seconds(retryAfter))
            #expect(try await api.send(.get, "/v1/members", key: shop.key).status == .ok)

            // Back to the default: the large test default applies again at once.
            let reset = try await api.send(.delete, "/admin/tenants/\(shop.tenant)/rate-limit", key: operatorToken)
            #expect(reset.status == .ok)
            #expect((try reset.json()["rate_limit"] as? [String: Any])?["source"] as? String == "default")
            let fetched = try await api.send(.get, "/admin/tenants/\(shop.tenant)", key: operatorToken)
            #expect((try fetched.json()["rate_limit"] as? [String: Any])?["burst"] as? Int == 1_000_000)
        }
    }

    @Test func limitsAreValidatedAndUnknownTenantsAre404() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let bad = try await api.send(
                .put,
                "/admin/tenants/\(shop.tenant)/rate-limit",
                key: operatorToken,
                json: #"{"requests_per_second": 0, "burst": 2000000}"#
            )
            #expect(bad.status == .unprocessableContent)
            let fields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["requests_per_second", "burst"])
            let unknown = try await api.send(
                .put,
                "/admin/tenants/\(UUID().uuidString.lowercased())/rate-limit",
                key: operatorToken,
                json: #"{"requests_per_second": 5, "burst": 5}"#
            )
            #expect(unknown.status == .notFound)
            // A tenant key cannot change limits.
            let tenantTry = try await api.send(
                .put,
                "/admin/tenants/\(shop.tenant)/rate-limit",
                key: shop.key,
                json: #"{"requests_per_second": 5, "burst": 5}"#
            )
            #expect(tenantTry.status == .unauthorized)
        }
    }
}

/// What the test needs of a 429, read once.
struct TestResponseSnapshot {
    var contentType: String?
    var retryAfter: String?
    var remaining: String?
    var json: [String: Any]

    init(_ response: TestResponse) {
        contentType = response.headers[.contentType]
        retryAfter = response.headers[.retryAfter]
        remaining = response.headers[HTTPField.Name("RateLimit-Remaining")!]
        json = (try? response.json()) ?? [:]
    }
}
