import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
import Testing

@testable import JifenAPI

/// The audit log: every administrative change with its actor, request and diff, readable by the
/// tenant's `admin` keys and the operator, never by another tenant, never changed afterwards.
@Suite struct AuditLogTests {
    static let requestID = HTTPField.Name("X-Request-Id")!

    func entries(_ api: APIClient, key: String, query: String = "") async throws -> [[String: Any]] {
        let response = try await api.send(.get, "/v1/audit-log\(query)", key: key)
        #expect(response.status == .ok, "\(response.text)")
        return try #require(try response.json()["data"] as? [[String: Any]])
    }

    @Test func aProgramChangeNamesItsKeyItsRequestAndOnlyWhatChanged() async throws {
        let shop = try await makeTenant("audited program")
        try await withAPI { api in
            try await api.putProgram(#"{"currency":"CNY","earning":{"rate":{"points":1,"per":1}}}"#, key: shop.key)
            let saved = try await api.send(
                .put,
                "/v1/program",
                key: shop.key,
                json: #"{"currency":"CNY","earning":{"rate":{"points":2,"per":1}}}"#,
                headers: [Self.requestID: "change-42"]
            )
            #expect(saved.status == .ok, "\(saved.text)")
            let log = try await entries(api, key: shop.key, query: "?action=program.updated")
            #expect(log.count == 2)
            let latest = try #require(log.first)
            #expect(latest["request_id"] as? String == "change-42")
            #expect(latest["action"] as? String == "program.updated")
            #expect((latest["target"] as? [String: Any])?["kind"] as? String == "program")
            #expect((latest["target"] as? [String: Any])?["id"] as? String == "2")
            let actor = try #require(latest["actor"] as? [String: Any])
            #expect(actor["kind"] as? String == "api_key")
            #expect(actor["name"] as? String == "default")
            // Only the fields that differ: the version and the rate, nothing else of the program.
            let before = try #require(latest["before"] as? [String: Any])
            let after = try #require(latest["after"] as? [String: Any])
            #expect(before["version"] as? Int == 1 && after["version"] as? Int == 2)
            #expect(Set(before.keys) == ["version", "earning"], "\(before)")
            let rate = (after["earning"] as? [String: Any])?["rate"] as? [String: Any]
            #expect(rate?["points"] as? Int == 2)
            #expect(((before["earning"] as? [String: Any])?.keys).map(Set.init) == ["rate"])
            // The first save from the default: a version 0 → 1 change.
            #expect(((log.last?["before"] as? [String: Any])?["version"] as? Int) == 0)
        }
    }

    @Test func keysRateLimitsAndEndpointsAreRecordedWithoutTheirSecrets() async throws {
        let shop = try await makeTenant("audited keys")
        try await withAPI { api in
            let created = try await api.send(
                .post,
                "/v1/api-keys",
                key: shop.key,
                json: #"{"name":"storefront","scopes":["read"]}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let storefront = try created.json()
            let keyID = try #require(storefront["id"] as? String)
            let keySecret = try #require(storefront["secret"] as? String)
            #expect(storefront["scopes"] as? [String] == ["read"])
            #expect(try await api.send(.delete, "/v1/api-keys/\(keyID)", key: shop.key).status == .noContent)
            #expect(try await api.send(.delete, "/v1/api-keys/\(keyID)", key: shop.key).status == .noContent)

            let limited = try await api.send(
                .put,
                "/admin/tenants/\(shop.tenant)/rate-limit",
                key: operatorToken,
                json: #"{"requests_per_second": 50, "burst": 80}"#
            )
            #expect(limited.status == .ok)

            let endpoint = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: #"{"url":"https://shop.example/hooks","event_types":["points.adjusted"]}"#
            )
            let endpointJSON = try endpoint.json()
            let endpointID = try #require(
                endpointJSON["id"] as? String ?? (endpointJSON["endpoint"] as? [String: Any])?["id"] as? String
            )
            let endpointSecret = try #require(endpointJSON["secret"] as? String)
            let rotated = try await api.send(.post, "/v1/webhook-endpoints/\(endpointID)/rotate-secret", key: shop.key)
            let rotatedSecret = try #require(try rotated.json()["secret"] as? String)
            #expect(
                try await api.send(
                    .patch,
                    "/v1/webhook-endpoints/\(endpointID)",
                    key: shop.key,
                    json: #"{"enabled":false}"#
                )
                .status == .ok
            )
            #expect(
                try await api.send(.delete, "/v1/webhook-endpoints/\(endpointID)", key: shop.key).status == .noContent
            )
            #expect(
                try await api.send(
                    .put,
                    "/v1/integrations/shopify",
                    key: shop.key,
                    json: #"{"secret":"shpss_sekrit_123"}"#
                )
                .status == .noContent
            )

            let log = try await entries(api, key: shop.key, query: "?limit=200")
            let actions = log.compactMap { $0["action"] as? String }
            #expect(
                actions == [
                    "integration.secret_set", "webhook_endpoint.deleted", "webhook_endpoint.updated",
                    "webhook_endpoint.secret_rotated", "webhook_endpoint.created", "tenant.rate_limit_changed",
                    "api_key.revoked", "api_key.created", "api_key.created", "tenant.created",
                ],
                "\(actions)"
            )
            // Who: the operator for the rate limit, the tenant's key for the rest.
            let rate = try #require(log.first { $0["action"] as? String == "tenant.rate_limit_changed" })
            #expect((rate["actor"] as? [String: Any])?["kind"] as? String == "operator")
            #expect((rate["before"] as? [String: Any])?["source"] as? String == "default")
            #expect((rate["after"] as? [String: Any])?["requests_per_second"] as? Int == 50)
            let disabled = try #require(log.first { $0["action"] as? String == "webhook_endpoint.updated" })
            #expect((disabled["before"] as? [String: Any])?["enabled"] as? Bool == true)
            #expect((disabled["after"] as? [String: Any])?["enabled"] as? Bool == false)
            // No secret of any kind is in the log.
            let whole = try await api.send(.get, "/v1/audit-log?limit=200", key: shop.key).text
            for secret in [keySecret, endpointSecret, rotatedSecret, "shpss_sekrit_123", shop.key] {
                #expect(!whole.contains(secret))
            }

            // The operator's view is the same log; another tenant's log has none of it.
            let asOperator = try await api.send(
                .get,
                "/admin/tenants/\(shop.tenant)/audit-log?limit=200",
                key: operatorToken
            )
            #expect((try asOperator.json()["data"] as? [[String: Any]])?.count == log.count)
            let other = try await makeTenant("audit neighbour")
            let theirs = try await entries(api, key: other.key)
            #expect(theirs.compactMap { $0["action"] as? String } == ["api_key.created", "tenant.created"])
            #expect(!theirs.contains { ($0["target"] as? [String: Any])?["id"] as? String == keyID })
            // A revoked key is refused; a read-only key cannot read the log.
            #expect(try await api.send(.get, "/v1/members", key: keySecret).status == .unauthorized)
        }
    }

    @Test func filtersAndPagesGoNewestFirst() async throws {
        let shop = try await makeTenant("audit pages")
        try await withAPI { api in
            try await api.send(.put, "/v1/members/m1", key: shop.key, json: "{}")
            for points in 1...5 {
                let made = try await api.send(
                    .post,
                    "/v1/members/m1/adjustments",
                    key: shop.key,
                    json: #"{"points":\#(points),"reason_code":"goodwill"}"#
                )
                #expect(made.status == .created, "\(made.text)")
            }
            // A member is named by its Jifen id, never its external id (the log outlives an erasure).
            let memberID = try #require(
                try await api.send(.get, "/v1/members/m1", key: shop.key).json()["id"] as? String
            )
            let first = try await api.send(
                .get,
                "/v1/audit-log?target_kind=member&target_id=\(memberID)&limit=2",
                key: shop.key
            )
            let page = try first.json()
            let items = try #require(page["data"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect((items[0]["after"] as? [String: Any])?["points"] as? Int == 5)
            let cursor = try #require(page["next_cursor"] as? String)
            let rest = try await entries(
                api,
                key: shop.key,
                query: "?target_kind=member&target_id=\(memberID)&cursor=\(cursor)"
            )
            #expect(try await entries(api, key: shop.key, query: "?target_id=m1").isEmpty)
            #expect(rest.compactMap { ($0["after"] as? [String: Any])?["points"] as? Int } == [3, 2, 1])
            #expect(
                try await entries(api, key: shop.key, query: "?action=points.adjusted&from=2999-01-01T00:00:00Z")
                    .isEmpty
            )
            let bad = try await api.send(.get, "/v1/audit-log?from=yesterday", key: shop.key)
            #expect(bad.status == .badRequest)
        }
    }

    /// Append-only: the application's role can neither change nor delete an entry.
    @Test func theLogCannotBeRewritten() async throws {
        let servers = try await TestServers.shared.ready()
        let shop = try await makeTenant("audit append only")
        for statement in ["UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"] {
            await #expect(throws: (any Error).self, "\(statement)") {
                try await servers.database.withTenant(shop.tenant) { connection in
                    try await connection.connection.query(PostgresQuery(unsafeSQL: statement), logger: servers.logger)
                }
            }
        }
        #expect(try await servers.count("audit_log", tenant: shop.tenant) == 2)
    }

    /// A key's scopes, created by the tenant's admin key: read-only keys read and nothing else.
    @Test func aReadKeyReadsAndIsRefusedTheRest() async throws {
        let shop = try await makeTenant("read key")
        let other = try await makeTenant("read key neighbour")
        try await withAPI { api in
            let created = try await api.send(.post, "/v1/api-keys", key: shop.key, json: #"{"scopes":["read"]}"#)
            let reader = try #require(try created.json()["secret"] as? String)
            #expect(try await api.send(.get, "/v1/members", key: reader).status == .ok)
            let write = try await api.send(.put, "/v1/members/x", key: reader, json: "{}")
            #expect(write.status == .forbidden)
            #expect(try write.problemType() == "/problems/forbidden")
            #expect(try await api.send(.get, "/v1/audit-log", key: reader).status == .forbidden)
            #expect(try await api.send(.post, "/v1/api-keys", key: reader, json: "{}").status == .forbidden)
            // The list shows scopes and prefixes, never secrets.
            let list = try await api.send(.get, "/v1/api-keys", key: shop.key)
            #expect(!list.text.contains(reader) && !list.text.contains(shop.key))
            let keys = try #require(try list.json()["data"] as? [[String: Any]])
            #expect(keys.count == 2)
            #expect(keys.first?["scopes"] as? [String] == ["read"])
            // Bad scopes are named; another tenant's key id is unknown here.
            let bad = try await api.send(.post, "/v1/api-keys", key: shop.key, json: #"{"scopes":["root"]}"#)
            #expect(bad.status == .unprocessableContent, "\(bad.text)")
            let empty = try await api.send(.post, "/v1/api-keys", key: shop.key, json: #"{"scopes":[]}"#)
            #expect(empty.status == .unprocessableContent, "\(empty.text)")
            let theirKey = try #require(
                (try await api.send(.get, "/v1/api-keys", key: other.key).json()["data"] as? [[String: Any]])?.first?[
                    "id"
                ]
                    as? String
            )
            #expect(try await api.send(.delete, "/v1/api-keys/\(theirKey)", key: shop.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/members", key: other.key).status == .ok)
            // The operator issues scoped keys too.
            let issued = try await api.send(
                .post,
                "/admin/tenants/\(shop.tenant)/api-keys",
                key: operatorToken,
                json: #"{"name":"hooks","scopes":["webhooks"]}"#
            )
            let hooks = try #require(try issued.json()["secret"] as? String)
            #expect(try await api.send(.get, "/v1/webhook-endpoints", key: hooks).status == .ok)
            #expect(try await api.send(.get, "/v1/members", key: hooks).status == .forbidden)
        }
    }
}
