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
}
