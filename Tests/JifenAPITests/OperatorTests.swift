import Foundation
import JifenTestSupport
import Testing

@Suite struct OperatorTests {
    @Test func provisionsATenantWhoseKeyWorks() async throws {
        try await withAPI { api async throws in
            let created = try await api.send(
                .post,
                "/admin/tenants",
                key: operatorToken,
                json: #"{"name":"Blue Bottle Tea"}"#
            )
            #expect(created.status == .created)
            let body = try created.json()
            let tenant = try #require(body["tenant"] as? [String: Any])
            let key = try #require(body["api_key"] as? [String: Any])
            let secret = try #require(key["secret"] as? String)
            #expect(tenant["name"] as? String == "Blue Bottle Tea")
            #expect(secret.hasPrefix("jf_"))
            #expect((key["prefix"] as? String).map { secret.hasPrefix(String($0.prefix(11))) } == true)
            #expect(try await api.send(.put, "/v1/members/m-1", key: secret, json: "{}").status == .created)
        }
    }

    @Test func operatorEndpointsNeedTheOperatorToken() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.send(.get, "/admin/tenants").status == .unauthorized)
            #expect(try await api.send(.get, "/admin/tenants", key: "wrong").status == .unauthorized)
            // A tenant key is not an operator token.
            #expect(try await api.send(.get, "/admin/tenants", key: shop.key).status == .unauthorized)
            // And the operator token is not a tenant key.
            #expect(try await api.send(.get, "/v1/members", key: operatorToken).status == .unauthorized)
        }
    }

    @Test func listsTenantsNewestFirstAcrossPages() async throws {
        let (first, _) = try await makeTenant("page-1")
        let (second, _) = try await makeTenant("page-2")
        try await withAPI { api async throws in
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/admin/tenants?limit=50" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.send(.get, uri, key: operatorToken).json()
                seen += (page["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(Set(seen).count == seen.count, "a tenant appeared on two pages")
            let firstIndex = try #require(seen.firstIndex(of: first.description))
            let secondIndex = try #require(seen.firstIndex(of: second.description))
            #expect(secondIndex < firstIndex)
        }
    }

    @Test func unknownTenantsAndKeysAre404() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let unknown = UUID().uuidString.lowercased()
            #expect(
                try await api.send(.post, "/admin/tenants/\(unknown)/api-keys", key: operatorToken, json: "{}").status
                    == .notFound
            )
            #expect(
                try await api.send(.delete, "/admin/tenants/\(shop.tenant)/api-keys/\(unknown)", key: operatorToken)
                    .status == .notFound
            )
            #expect(
                try await api.send(.post, "/admin/tenants/not-a-uuid/api-keys", key: operatorToken, json: "{}").status
                    == .notFound
            )
        }
    }

    @Test func emptyTenantNameIsAValidationError() async throws {
        try await withAPI { api async throws in
            let response = try await api.send(.post, "/admin/tenants", key: operatorToken, json: #"{"name":"   "}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problemType() == "/problems/validation-failed")
        }
    }

    /// The body of `POST …/api-keys` is optional: none at all (as schemathesis sends it) is a key
    /// with no name, not a 500.
    @Test func aKeyCanBeIssuedWithoutABody() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let issued = try await api.send(.post, "/admin/tenants/\(shop.tenant)/api-keys", key: operatorToken)
            #expect(issued.status == .created, "\(issued.text)")
            #expect(try issued.json()["secret"] as? String != nil)
        }
    }
}
