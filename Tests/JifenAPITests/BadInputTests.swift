import Foundation
import HTTPTypes
import JifenTestSupport
import NIOCore
import Testing

/// Each bad request gets its documented status and problem `type`, and writes nothing.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var json: String? = nil
        var body: ByteBuffer? = nil
        var key: Key = .valid
        var status: Int
        var type: String
        var field: String? = nil
        /// Refused by a rule the spec cannot state (the handler's): its answer is stored under
        /// the Idempotency-Key. Anything the spec refuses is refused before that, writing nothing.
        var byHandler = false

        enum Key: Sendable { case valid, none, wrong, revoked }
    }

    static let cases: [Case] = [
        Case(
            description: "malformed JSON",
            json: #"{"external_id": "o-1", "#,
            status: 400,
            type: "/problems/invalid-json"
        ),
        Case(
            description: "missing field",
            json:
                #"{"external_id":"o-1","member":"m-1","currency":"CNY","status":"paid","placed_at":"2026-11-30T08:15:00Z"}"#,
            status: 422,
            type: "/problems/validation-failed",
            field: "amount"
        ),
        Case(
            description: "negative amount",
            json: orderJSON("o-1", amount: -1),
            status: 422,
            type: "/problems/validation-failed",
            field: "amount"
        ),
        Case(
            description: "unknown currency",
            json: orderJSON("o-1", currency: "ABC"),
            status: 422,
            type: "/problems/validation-failed",
            field: "currency",
            byHandler: true
        ),
        Case(
            description: "unknown status",
            json: orderJSON("o-1", status: "shipped"),
            status: 422,
            type: "/problems/validation-failed",
            field: "status"
        ),
        Case(
            description: "wrong type",
            json: orderJSON("o-1").replacingOccurrences(of: "25900", with: "\"25900\""),
            status: 422,
            type: "/problems/validation-failed",
            field: "amount"
        ),
        Case(
            description: "bad external id",
            json: orderJSON("has space"),
            status: 422,
            type: "/problems/validation-failed",
            field: "external_id"
        ),
        Case(
            description: "NUL in a text field",
            json: orderJSON("o-1").replacingOccurrences(of: #""sku":"TEA-01""#, with: #""sku":"TEA\u0000""#),
            status: 422,
            type: "/problems/validation-failed",
            field: "lines[0].sku"
        ),
        Case(
            description: "2 MiB body",
            body: ByteBuffer(repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024),
            status: 413,
            type: "/problems/payload-too-large"
        ),
        Case(description: "no key", json: orderJSON("o-1"), key: .none, status: 401, type: "/problems/unauthorized"),
        Case(
            description: "wrong key",
            json: orderJSON("o-1"),
            key: .wrong,
            status: 401,
            type: "/problems/unauthorized"
        ),
        Case(
            description: "revoked key",
            json: orderJSON("o-1"),
            key: .revoked,
            status: 401,
            type: "/problems/unauthorized"
        ),
    ]

    @Test(arguments: cases)
    func isRejectedAndChangesNothing(_ bad: Case) async throws {
        let shop = try await makeTenant()
        let servers = TestServers.shared
        let tables = ["orders", "members", "outbox", "idempotency_keys"]
        var before: [Int] = []
        for table in tables { before.append(try await servers.count(table, tenant: shop.tenant)) }

        var key: String? = shop.key
        switch bad.key {
        case .valid: break
        case .none: key = nil
        case .wrong: key = "jf_" + String(repeating: "0", count: 32) + "_" + String(repeating: "x", count: 32)
        case .revoked:
            key = try await withAPI { api async throws in
                let issued = try await api.send(
                    .post,
                    "/admin/tenants/\(shop.tenant)/api-keys",
                    key: operatorToken,
                    json: #"{"name":"to revoke"}"#
                )
                let id = try #require(try issued.json()["id"] as? String)
                let secret = try #require(try issued.json()["secret"] as? String)
                #expect(try await api.send(.get, "/v1/members", key: secret).status == .ok)
                let revoked = try await api.send(
                    .delete,
                    "/admin/tenants/\(shop.tenant)/api-keys/\(id)",
                    key: operatorToken
                )
                #expect(revoked.status == .noContent)
                return secret
            }
        }
        let sentKey = key
        let response = try await withAPI { api async throws in
            try await api.send(
                .post,
                "/v1/orders",
                key: sentKey,
                json: bad.json,
                body: bad.body,
                headers: [HTTPField.Name("Idempotency-Key")!: "bad-\(UUID())"]
            )
        }
        #expect(Int(response.status.code) == bad.status, "\(bad): \(response.text)")
        #expect(response.headers[.contentType] == "application/problem+json")
        let problem = try response.json()
        #expect(problem["type"] as? String == bad.type)
        #expect(problem["status"] as? Int == bad.status)
        #expect(problem["instance"] as? String != nil)
        if let field = bad.field {
            let errors = problem["errors"] as? [[String: Any]]
            #expect(errors?.contains { $0["field"] as? String == field } == true, "\(response.text)")
        }

        var after: [Int] = []
        for table in tables { after.append(try await servers.count(table, tenant: shop.tenant)) }
        // A request that got as far as a handler stores its 4xx answer under its Idempotency-Key
        // (a retry gets the same answer), and nothing else.
        if bad.byHandler { after[3] -= 1 }
        #expect(after == before, "\(bad) changed the database")
    }

    @Test func unknownRoutesAndMethodsAreProblems() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let missing = try await api.send(.get, "/v1/nothing-here", key: shop.key)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let wrongMethod = try await api.send(.delete, "/v1/orders", key: shop.key)
            #expect([404, 405].contains(wrongMethod.status.code))
            #expect(wrongMethod.headers[.contentType] == "application/problem+json")
        }
    }

    /// An id with a control character names nothing: 404 where the operation looks something up,
    /// 422 naming the field where it would create it (a documented status either way; the
    /// contract fuzzer once found a 404 that `PUT /v1/members/{member}` does not document).
    @Test func pathIdsWithControlCharactersAreDocumentedRefusals() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let put = try await api.send(.put, "/v1/members/a%1Cb", key: shop.key, json: "{}")
            #expect(put.status.code == 422)
            #expect(try put.json()["errors"].map { "\($0)" }?.contains("member") == true)
            let get = try await api.send(.get, "/v1/members/a%1Cb", key: shop.key)
            #expect(get.status == .notFound)
            #expect(get.headers[.contentType] == "application/problem+json")
        }
        #expect(try await TestServers.shared.count("members", tenant: shop.tenant) == 0)
    }

    @Test func badQueryParametersAre400() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            for uri in ["/v1/members?limit=0", "/v1/members?limit=abc", "/v1/members?cursor=nonsense"] {
                let response = try await api.send(.get, uri, key: shop.key)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(uri)")
            }
        }
    }
}
