import Foundation
import JifenTestSupport
import Testing

/// Hostile requests against a real `jifen serve` on a socket, where the HTTP server itself
/// (not only the router) is in play.
@Suite struct LiveHardeningTests {
    @Test(.timeLimit(.minutes(2)))
    func hostileRequestsGetProblemsAndTheServerLives() async throws {
        try await LiveStack.run { stack in
            let api = try await stack.startAPI()
            let created = try await stack.operatorClient().createTenant(body: .json(.init(name: "Hostile Tea"))).created
                .body.json
            let key = created.apiKey.secret
            let tenant = created.tenant.id

            // A chunked body over 1 MiB: 413, not a 500.
            let chunk = String(repeating: "a", count: 64 * 1024)
            var raw =
                "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<20 { raw += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
            raw += "0\r\n\r\n"
            let tooLarge = await RawHTTPConnection.request(port: stack.port, raw: Array(raw.utf8))
            #expect(tooLarge.status == 413, "\(tooLarge)")
            #expect(tooLarge.headers["content-type"] == "application/problem+json")

            // A POST without Content-Type: 415.
            let untyped = await RawHTTPConnection.request(
                port: stack.port,
                method: "POST",
                path: "/v1/orders",
                headers: ["Authorization": "Bearer \(key)"],
                body:
                    #"{"external_id":"o-1","member":"m-1","currency":"CNY","amount":1,"status":"paid","placed_at":"2026-11-30T08:15:00Z"}"#
            )
            #expect(untyped.status == 415, "\(untyped)")

            // The operator routes behind repeated slashes, with no credential: never a 2xx.
            for path in ["//admin/tenants", "///admin/tenants", "//admin/tenants/\(tenant)"] {
                let response = await RawHTTPConnection.request(
                    port: stack.port,
                    method: "GET",
                    path: path,
                    headers: [:]
                )
                #expect([401, 404].contains(response.status), "GET \(path): \(response)")
            }
            let mint = await RawHTTPConnection.request(
                port: stack.port,
                method: "POST",
                path: "//admin/tenants/\(tenant)/api-keys",
                headers: ["Content-Type": "application/json"],
                body: "{}"
            )
            #expect([401, 404].contains(mint.status), "\(mint)")

            // The one-request crashes of the review: still alive after each.
            let probes: [(String, String, String?)] = [
                ("POST", "/v1/members/x/adjustments", #"{"points":-9223372036854775808,"reason_code":"r"}"#),
                ("GET", "/v1/members?inactive_days=1000000000", nil),
                ("GET", "/v1/members?min_orders=3000000000", nil),
                ("GET", "/v1/members?tag=a%00b", nil),
                (
                    "POST", "/v1/campaigns",
                    #"{"kind":"grant","name":"x","points":1,"reason_code":"x","filter":{"inactive_days":1000000000}}"#
                ),
                (
                    "POST", "/v1/campaigns",
                    #"{"kind":"grant","name":"x","points":1,"reason_code":"x","filter":{"min_orders":3000000000}}"#
                ),
            ]
            for (method, path, body) in probes {
                var headers = ["Authorization": "Bearer \(key)"]
                if body != nil { headers["Content-Type"] = "application/json" }
                let response = await RawHTTPConnection.request(
                    port: stack.port,
                    method: method,
                    path: path,
                    headers: headers,
                    body: body ?? ""
                )
                #expect((400..<500).contains(response.status), "\(method) \(path): \(response)")
                #expect(api.isRunning, "\(method) \(path) stopped the API: \(api.log.suffix(2000))")
            }
            let alive = try await stack.get("/health/live")
            #expect(alive.status == 200)
        }
    }
}
