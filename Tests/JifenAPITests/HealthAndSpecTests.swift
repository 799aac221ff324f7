import Foundation
import JifenTestSupport
import Testing

@Suite struct HealthAndSpecTests {
    @Test func servesTheRepositorysSpecByteForByte() async throws {
        let file = try Data(
            contentsOf: TestServers.shared.repositoryRoot.appendingPathComponent("openapi/openapi.yaml")
        )
        try await withAPI { api async throws in
            let response = try await api.send(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(Data(buffer: response.body) == file)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
        }
    }

    @Test func probesReportBothDependencies() async throws {
        try await withAPI { api async throws in
            #expect(try await api.send(.get, "/health/live").status == .ok)
            let ready = try await api.send(.get, "/health/ready")
            #expect(ready.status == .ok)
            let checks = try ready.json()["checks"] as? [String: String]
            #expect(checks == ["postgres": "ok", "redis": "ok"])
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withAPI { api async throws in
            let response = try await api.send(.get, "/health/live")
            #expect(response.headers[.init("X-Request-Id")!]?.isEmpty == false)
            let echoed = try await api.send(.get, "/health/live", headers: [.init("X-Request-Id")!: "shop-req-42"])
            #expect(echoed.headers[.init("X-Request-Id")!] == "shop-req-42")
        }
    }

    /// `/docs` is rendered from the same spec: every operation and schema has its anchor, and
    /// nothing is fetched from elsewhere.
    @Test func servesAReferencePageForEveryOperation() async throws {
        let servers = try await TestServers.shared.ready()
        let spec = try String(
            contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml"),
            encoding: .utf8
        )
        let operationIDs = spec.split(separator: "\n").compactMap { line -> String? in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("operationId: ") else { return nil }
            return String(text.dropFirst("operationId: ".count))
        }
        try #require(operationIDs.count > 40)
        try await withAPI { api async throws in
            let page = try await api.send(.get, "/docs")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = page.text
            let missing = operationIDs.filter { !html.contains("id=\"op-\($0)\"") }
            #expect(missing.isEmpty, "operations missing from /docs: \(missing)")
            #expect(html.contains("id=\"schema-Problem\""))
            #expect(html.contains("id=\"webhooks\""))
            // Examples are rendered as JSON, and text from the spec is escaped.
            #expect(html.contains("&quot;name&quot;: &quot;Blue Bottle Tea&quot;"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") || !html.contains("src=\"http"))
        }
    }
}
