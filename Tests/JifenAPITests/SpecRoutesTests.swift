import Foundation
import JifenTestSupport
import Testing

@testable import JifenAPI

/// The server serves exactly the operations the spec documents: no route the spec does not
/// describe, no documented operation without a route (including the hand-written `/hooks`).
@Suite struct SpecRoutesTests {
    /// `METHOD /path/{}` for every operation under `paths:` in the spec. The spec's layout is
    /// fixed (2-space path keys, 4-space method keys), which a line scan reads without a YAML
    /// library.
    static func specOperations(_ text: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        let methods: Set<String> = ["get", "put", "post", "patch", "delete", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line == "paths:"
                path = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if methods.contains(String(key)) { operations.insert("\(key.uppercased()) \(normalized(path))") }
            }
        }
        return operations
    }

    /// `/v1/members/{member}` and `/v1/members/:member` both become `/v1/members/{}`.
    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}")) ? "{}" : String(segment)
        }.joined(separator: "/")
    }

    @Test func everyRouteIsDocumentedAndEveryOperationIsServed() async throws {
        let servers = try await TestServers.shared.ready()
        let specification = try Data(contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml"))
        let router = try APIApplication.router(
            configuration: testAPIConfiguration,
            database: servers.database,
            redis: servers.redis,
            specification: specification,
            logger: servers.logger
        )
        let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalized($0.path.description))" })
        let documented = Self.specOperations(String(decoding: specification, as: UTF8.self))
        #expect(documented.count > 40, "the spec scan found too few operations: \(documented.sorted())")
        #expect(served.subtracting(documented).sorted() == [], "served but not in the spec")
        #expect(documented.subtracting(served).sorted() == [], "in the spec but not served")
    }
}
