import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// A client of the Jifen API generated from `openapi/openapi.yaml`, with a bearer token.
///
/// ```swift
/// let jifen = JifenClient.make(baseURL: URL(string: "http://127.0.0.1:8080")!, token: apiKey)
/// let member = try await jifen.getMember(path: .init(member: "cust-42")).ok.body.json
/// ```
public enum JifenClient {
    public static func make(baseURL: URL, token: String, transport: AsyncHTTPClientTransport = .init()) -> Client {
        Client(serverURL: baseURL, transport: transport, middlewares: [BearerToken(token: token)])
    }
}

/// Sends `Authorization: Bearer <token>` on every request.
struct BearerToken: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}
