import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import NIOCore
import Testing

@testable import JifenAPI

/// Generated from the spec like ``RouteAuthTests``: for every tenant operation, a key holding
/// every scope but the one the operation names is refused with 403 `forbidden` before anything
/// happens, and a key holding only that scope is let through (whatever the operation then
/// answers, never 401 or 403).
@Suite struct ScopeTests {
    @Test func everyTenantOperationNeedsItsScope() async throws {
        let shop = try await makeTenant("scopes by route")
        let store = TenantStore(database: try await TestServers.shared.ready().database)
        var only: [APIScope: String] = [:]
        var allBut: [APIScope: String] = [:]
        for scope in APIScope.allCases {
            only[scope] = try await store.createKey(for: shop.tenant, name: "only \(scope)", scopes: [scope]).secret
                .value
            allBut[scope] = try await store.createKey(
                for: shop.tenant,
                name: "all but \(scope)",
                scopes: APIScope.allCases.filter { $0 != scope }
            ).secret.value
        }
        let operations = SpecOperation.all.filter { $0.access == .tenant }
        #expect(operations.count > 70)
        #expect(operations.allSatisfy { $0.scope != nil })
        // Every scope guards something.
        #expect(Set(operations.compactMap(\.scope)).isSuperset(of: [.read, .write, .webhooks, .admin]))
        let (onlyKeys, allButKeys) = (only, allBut)
        try await withAPI { api in
            try await forEach(operations, width: 4) { operation in
                let scope = try #require(operation.scope)
                for (key, admitted) in [(allButKeys[scope]!, false), (onlyKeys[scope]!, true)] {
                    var headers: HTTPFields = [.authorization: "Bearer \(key)"]
                    var body: ByteBuffer?
                    if let example = operation.example {
                        headers[.contentType] = "application/json"
                        body = ByteBuffer(string: example.text)
                    }
                    let response = try await api.client.execute(
                        uri: operation.concretePath(tenant: shop.tenant),
                        method: operation.method,
                        headers: headers,
                        body: body
                    )
                    let context =
                        "\(operation) needing \(scope), admitted \(admitted): \(response.status) \(response.text.prefix(300))"
                    if admitted {
                        #expect(![401, 403].contains(response.status.code), "\(context)")
                    } else {
                        #expect(response.status.code == 403, "\(context)")
                        #expect(try response.problemType() == "/problems/forbidden", "\(context)")
                        #expect(response.text.contains("'\(scope.rawValue)'"), "\(context)")
                    }
                    #expect(response.status.code < 500, "\(context)")
                }
            }
        }
        // The refused writes wrote nothing: no member was created by a key without `write`
        // (the admitted `write` key may have created the example's member).
        let members = try await TestServers.shared.count("members", tenant: shop.tenant)
        #expect(members <= 1)
    }

    /// A spec whose tenant operation names no scope, or an unknown one, is refused at start-up:
    /// nothing is open to every key by omission.
    @Test func anOperationWithoutAScopeIsASpecError() throws {
        for security in ["[{tenantKey: []}]", "[{tenantKey: [everything]}]", "[{tenantKey: [read, write]}]"] {
            let yaml = """
                openapi: 3.1.0
                info: { title: t, version: "1" }
                paths:
                  /v1/x:
                    get:
                      operationId: x
                      security: \(security)
                      responses: { "200": { description: ok } }
                """
            #expect(throws: JifenError.self, "\(security)") { _ = try APIContract(yaml: Data(yaml.utf8)) }
        }
        let valid = """
            openapi: 3.1.0
            info: { title: t, version: "1" }
            paths:
              /v1/x:
                get:
                  operationId: x
                  security: [{tenantKey: [imports]}]
                  responses: { "200": { description: ok } }
            """
        #expect(try APIContract(yaml: Data(valid.utf8)).operations["x"]?.scope == .imports)
    }

    @Test func scopesOfANewKeyAreValidated() throws {
        #expect(try APIScope.validate(nil) == APIScope.allCases)
        #expect(try APIScope.validate(["write", "read", "write"]) == [.read, .write])
        #expect(throws: JifenError.self) { try APIScope.validate([]) }
        #expect(throws: JifenError.self) { try APIScope.validate(["read", "root"]) }
    }
}
