import Foundation
import HTTPTypes
import JifenCore
import JifenTestSupport
import NIOCore
import Testing

@testable import JifenAPI

/// Generated from the spec: every operation, with every kind of credential, at its path and at
/// the variants a router might normalise (`//`, `///`, a trailing `/`, `%2F`, upper case).
/// Only the credential the spec documents may ever get a 2xx, no request is a 5xx, and the
/// documented credential on the plain path is never refused as unauthenticated.
@Suite struct RouteAuthTests {
    enum Credential: String, CaseIterable, Sendable {
        case none, tenantKey, operatorToken, unknownKey
    }

    static let variants: [(name: String, apply: @Sendable (String) -> String)] = [
        ("plain", { $0 }),
        ("double slash", { "/" + $0 }),
        ("triple slash", { "//" + $0 }),
        ("trailing slash", { $0 + "/" }),
        ("inner double slash", { $0.replacingOccurrences(of: "/", with: "//") }),
        ("%2F", { "/" + $0.dropFirst().replacingOccurrences(of: "/", with: "%2F") }),
        ("upper case", { $0.uppercased() }),
        ("percent-encoded letter", { $0.replacingOccurrences(of: "a", with: "%61") }),
    ]

    /// Operations go four at a time: a few thousand requests at once would starve the suites
    /// that run beside this one.
    @Test func onlyTheDocumentedCredentialGetsIn() async throws {
        let shop = try await makeTenant("route auth")
        try await withAPI { api in
            try await forEach(SpecOperation.all, width: 4) { operation in
                try await Self.check(operation, shop: shop, api: api)
            }
        }
    }

    /// Every credential on the plain path; on the variants, no credential and the credential of
    /// the other kind (what a bypass would use).
    static func check(_ operation: SpecOperation, shop: (tenant: TenantID, key: String), api: APIClient) async throws {
        for credential in Credential.allCases {
            for variant in Self.variants
            where variant.name == "plain" || credential == .none
                || (credential != .unknownKey && !Self.admits(operation, credential))
            {
                let path = variant.apply(operation.concretePath(tenant: shop.tenant))
                var headers: HTTPFields = [:]
                switch credential {
                case .none: break
                case .tenantKey: headers[.authorization] = "Bearer \(shop.key)"
                case .operatorToken: headers[.authorization] = "Bearer \(operatorToken)"
                case .unknownKey:
                    headers[.authorization] =
                        "Bearer jf_\(shop.tenant.rawValue.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))_\(String(repeating: "x", count: 32))"
                }
                var body: ByteBuffer?
                if let example = operation.example {
                    headers[.contentType] = "application/json"
                    body = ByteBuffer(string: example.text)
                }
                let response = try await api.client.execute(
                    uri: path,
                    method: operation.method,
                    headers: headers,
                    body: body
                )
                let status = Int(response.status.code)
                let context =
                    "\(operation) as \(credential) at \(variant.name) \(path): \(status) \(String(buffer: response.body).prefix(300))"
                #expect(status < 500, "\(context)")
                if (200..<300).contains(status) {
                    #expect(Self.admits(operation, credential), "\(context)")
                }
                if variant.name == "plain", Self.admits(operation, credential), !operation.isInbound {
                    #expect(status != 401, "\(context)")
                }
            }
        }
    }

    /// What the spec documents: public operations take anyone who presents no wrong
    /// credential; the rest exactly their own.
    static func admits(_ operation: SpecOperation, _ credential: Credential) -> Bool {
        switch (operation.access, credential) {
        case (.public, .none), (.public, .tenantKey), (.public, .operatorToken): true
        case (.tenant, .tenantKey), (.operator, .operatorToken): true
        default: false
        }
    }

    /// The reported holes, as they were: no credential, repeated slashes, operator routes.
    @Test func repeatedSlashesDoNotOpenTheOperatorRoutes() async throws {
        let shop = try await makeTenant("slash bypass")
        try await withAPI { api in
            for path in ["//admin/tenants", "///admin/tenants", "/admin//tenants", "//admin/tenants/\(shop.tenant)"] {
                let read = try await api.client.execute(uri: path, method: .get, headers: [:], body: nil)
                #expect([401, 404].contains(read.status.code), "GET \(path): \(read.status)")
            }
            let mint = try await api.client.execute(
                uri: "//admin/tenants/\(shop.tenant)/api-keys",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            #expect([401, 404].contains(mint.status.code), "\(mint.status) \(String(buffer: mint.body))")
            // A tenant's key is not the operator's either.
            let asTenant = try await api.send(.get, "//admin/tenants", key: shop.key)
            #expect([401, 404].contains(asTenant.status.code))
        }
    }

    /// The handlers' own lock: an operator handler called without the operator principal
    /// refuses, even if something in front of it let the request through.
    @Test func operatorHandlersRefuseAnyoneElse() async throws {
        let servers = try await TestServers.shared.ready()
        let handler = try APIHandler(
            database: servers.database,
            redis: servers.redis,
            specification: try Data(
                contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml")
            ),
            configuration: testAPIConfiguration,
            logger: servers.logger
        )
        let shop = try await makeTenant("handler lock")
        for principal in [RequestScope.Principal.anonymous, .tenant(shop.tenant)] {
            var scope = RequestScope.current
            scope.principal = principal
            await RequestScope.$current.withValue(scope) {
                await #expect(throws: JifenError.self) {
                    _ = try await handler.listTenants(.init(query: .init()))
                }
                await #expect(throws: JifenError.self) {
                    _ = try await handler.createApiKey(
                        .init(path: .init(tenant: shop.tenant.description), body: .json(.init(name: "stolen")))
                    )
                }
            }
        }
        // Nothing was minted: the tenant still has only its first key.
        #expect(try await servers.count("api_keys", tenant: shop.tenant) == 1)
    }
}
