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

            // A fresh bucket holds 3: the first request leaves exactly 2.
            let first = try await api.send(.get, "/v1/members", key: shop.key)
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
            #expect(first.headers[HTTPField.Name("RateLimit-Remaining")!] == "2")

            // 20 at once: at most what is left plus what refilled meanwhile (1 a second) pass.
            let start = ContinuousClock.now
            let responses = try await withThrowingTaskGroup(of: TestResponseSnapshot.self) { group in
                for _ in 0..<20 {
                    group.addTask { TestResponseSnapshot(try await api.send(.get, "/v1/members", key: shop.key)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - start
            let passed = responses.filter { $0.status == 200 }.count
            let refill = Int((elapsed / .seconds(1)).rounded(.up))
            #expect(passed <= 2 + refill, "\(passed) passed in \(elapsed) with 2 tokens left at 1 a second")
            #expect(responses.allSatisfy { $0.status == 200 || $0.status == 429 })
            let refused = responses.first { $0.status == 429 }
            let problem = try #require(refused, "no 429 among 20 requests in \(elapsed) at 1 a second")
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

            // A client that waits Retry-After is served: the header rounds up, never down. (A
            // fresh refusal, with nothing else spending this key's tokens meanwhile.)
            // Bursts of 6 at once against a bucket of 3, so a slow machine (a request taking over
            // a second) still meets the limit.
            var wait: Int?
            for _ in 0..<10 where wait == nil {
                let burst = try await withThrowingTaskGroup(of: TestResponseSnapshot.self) { group in
                    for _ in 0..<6 {
                        group.addTask { TestResponseSnapshot(try await api.send(.get, "/v1/members", key: shop.key)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                wait = burst.first { $0.status == 429 }?.retryAfter.flatMap(Int.init)
            }
            let retryIn = try #require(wait, "no 429 in 10 bursts of 6 at 1 a second")
            try await Task.sleep(for: .seconds(retryIn))
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
struct TestResponseSnapshot: Sendable {
    var status: Int
    var contentType: String?
    var retryAfter: String?
    var remaining: String?
    var body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }

    init(_ response: TestResponse) {
        status = Int(response.status.code)
        contentType = response.headers[.contentType]
        retryAfter = response.headers[.retryAfter]
        remaining = response.headers[HTTPField.Name("RateLimit-Remaining")!]
        body = response.text
    }
}
