import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport

@testable import JifenAPI

let operatorToken = "test-operator-token-of-at-least-32-chars"

/// Tests send requests as fast as they can; the default limit is set out of their way, and
/// `RateLimitTests` sets a tenant's own small limit to see it work.
/// Every in-process request comes from the same (absent) peer address, so the limit on failed
/// authentications is lifted too; `FailedAuthenticationTests` builds a router with a small one.
let testAPIConfiguration = APIConfiguration(
    operatorToken: operatorToken,
    defaultRateLimit: RateLimit(perSecond: 100_000, burst: 1_000_000),
    authFailureBurst: 1_000_000,
    authFailuresPerMinute: 1_000_000
)

/// Runs `body` against the real router (every middleware, the generated handlers) backed by
/// the real PostgreSQL and Redis.
func withAPI<T: Sendable>(
    configuration: APIConfiguration = testAPIConfiguration,
    _ body: @Sendable (APIClient) async throws -> T
) async throws -> T {
    let servers = try await TestServers.shared.ready()
    let specification = try Data(contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml"))
    let router = try APIApplication.router(
        configuration: configuration,
        database: servers.database,
        redis: servers.redis,
        specification: specification,
        logger: servers.logger
    )
    let app = Application(router: router, logger: servers.logger)
    return try await app.test(.router) { client in try await body(APIClient(client: client)) }
}

/// Thin JSON conveniences over Hummingbird's test client.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String? = nil,
        json: String? = nil,
        body: ByteBuffer? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil || body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri,
            method: method,
            headers: headers,
            body: body ?? json.map { ByteBuffer(string: $0) }
        )
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw JSONShapeError(text: text)
        }
        return object
    }

    /// The body decoded as the spec's type for it (`Components.Schemas.…`, generated from
    /// openapi/openapi.yaml), so a test reads fields by name and type, and a body the spec does
    /// not describe fails to decode. Dates are read as the server writes them (RFC 3339).
    func decoded<Schema: Decodable>(_ schema: Schema.Type) throws -> Schema {
        let decoder = JSONDecoder()
        let transcoder = RFC3339DateTranscoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try transcoder.decode(try decoder.singleValueContainer().decode(String.self))
        }
        return try decoder.decode(Schema.self, from: Data(buffer: body))
    }

    /// The problem `type` of an error response.
    func problemType() throws -> String? { try json()["type"] as? String }
}

struct JSONShapeError: Error { var text: String }

/// A tenant made through the store, with its key.
func makeTenant(_ name: String = "api test shop") async throws -> (tenant: TenantID, key: String) {
    let (tenant, key) = try await TestServers.shared.makeTenant(name)
    return (tenant.id, key.secret.value)
}

func orderJSON(
    _ id: String,
    member: String = "cust-1",
    currency: String = "CNY",
    amount: Int64 = 25_900,
    status: String = "paid"
) -> String {
    """
    {"external_id":"\(id)","member":"\(member)","currency":"\(currency)","amount":\(amount),"status":"\(status)",\
    "placed_at":"2026-11-30T08:15:00Z","lines":[{"sku":"TEA-01","category":"tea","quantity":2,"unit_amount":12000}]}
    """
}
