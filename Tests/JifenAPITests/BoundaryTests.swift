import Foundation
import HTTPTypes
import JifenCore
import JifenTestSupport
import NIOCore
import PostgresNIO
import Testing

@testable import JifenAPI

/// Generated from the spec: every operation's integer query parameters and every integer and
/// string field of its example body at the edges (Int64.min, -1, 0, Int64.max, just past each
/// declared bound; strings one past their maxLength, with NUL and control characters), and
/// tampered cursors on every list. Nothing may be a 5xx (an in-process trap would end the
/// whole test run, so "still alive" is checked by every later test), and a refused request
/// (4xx) writes nothing.
@Suite struct BoundaryTests {
    static let tables = [
        "members", "orders", "idempotency_keys", "outbox", "balances", "point_lots", "ledger_entries", "programs",
        "refunds", "redemptions", "activities", "domain_events", "check_ins", "schedules", "webhook_endpoints",
        "webhook_deliveries", "inbound_integrations", "rewards", "reward_claims", "campaigns", "campaign_members",
        "referrals", "api_keys",
    ]

    /// The tenant's row count in every table, in one statement.
    static func fingerprint(_ tenant: TenantID) async throws -> [Int64] {
        let servers = TestServers.shared
        let sql = "SELECT ARRAY[" + tables.map { "(SELECT count(*) FROM \($0))" }.joined(separator: ", ") + "]"
        return try await servers.database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(PostgresQuery(unsafeSQL: sql), logger: servers.logger)
            for try await counts in rows.decode([Int64].self) { return counts }
            return []
        }
    }

    struct Probe: Sendable, CustomStringConvertible {
        var description: String
        var query: String = ""
        var body: JSONValue?
    }

    /// Integers at the edges, and just past any declared bound.
    static func integers(_ schema: SpecValue) -> [String] {
        var values = ["-9223372036854775808", "-1", "0", "9223372036854775807", "9223372036854775808", "1e400"]
        if let minimum = schema["minimum"]?.string.flatMap({ Int64($0) }), minimum > Int64.min {
            values.append(String(minimum - 1))
        }
        if let maximum = schema["maximum"]?.string.flatMap({ Int64($0) }), maximum < Int64.max {
            values.append(String(maximum + 1))
        }
        return values
    }

    static func strings(_ schema: SpecValue) -> [String] {
        let length = schema["maxLength"]?.int ?? 1_000
        return [String(repeating: "a", count: length + 1), "a\u{0}b", "a\u{1}\u{7f}\u{1b}[31mb\u{202e}"]
    }

    static func probes(_ operation: SpecOperation, validator: SchemaValidator) -> [Probe] {
        var probes: [Probe] = []
        for (name, location, schema) in operation.parameters where location == "query" {
            let type = schema["type"]?.string
            if type == "integer" {
                for value in integers(schema) {
                    probes.append(Probe(description: "\(name)=\(value)", query: "\(name)=\(value)"))
                }
            } else {
                for value in strings(schema) {
                    let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                    probes.append(
                        Probe(description: "\(name)=\(value.debugDescription.prefix(40))", query: "\(name)=\(encoded)")
                    )
                }
            }
            if name == "cursor" {
                for raw in [
                    "v1:9223372036854775807:\(UUID().uuidString)", "v1:-9223372036854775808:\(UUID().uuidString)",
                    "v1:0:not-a-uuid", "v2:1:\(UUID().uuidString)", "v1:\u{0}:x",
                ] {
                    let encoded = Data(raw.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    probes.append(Probe(description: "cursor \(raw.debugDescription)", query: "cursor=\(encoded)"))
                }
            }
        }
        guard let example = operation.example, let bodySchema = operation.bodySchema else { return probes }
        for (path, value) in example.leaves() {
            let schema = validator.resolve(Self.schema(at: path[...], in: bodySchema, validator: validator) ?? .map([]))
            let name = path.map { step in
                switch step {
                case .key(let key): key
                case .index(let index): "[\(index)]"
                }
            }.joined(separator: ".")
            switch value {
            case .number:
                for number in integers(schema) {
                    probes.append(
                        Probe(
                            description: "\(name)=\(number)",
                            body: example.replacing(path[...], with: .number(number))
                        )
                    )
                }
            case .string:
                for text in strings(schema) {
                    probes.append(
                        Probe(
                            description: "\(name)=\(text.debugDescription.prefix(40))",
                            body: example.replacing(path[...], with: .string(text))
                        )
                    )
                }
            default: break
            }
        }
        return probes
    }

    /// The schema of the field at `path`, following properties, items and allOf.
    static func schema(at path: ArraySlice<JSONValue.PathStep>, in schema: SpecValue, validator: SchemaValidator)
        -> SpecValue?
    {
        let schema = validator.resolve(schema)
        guard let step = path.first else { return schema }
        let candidates = [schema] + (schema["allOf"]?.items ?? []).map(validator.resolve)
        for candidate in candidates {
            switch step {
            case .key(let key):
                if let property = candidate["properties"]?[key] {
                    return Self.schema(at: path.dropFirst(), in: property, validator: validator)
                }
                if let additional = candidate["additionalProperties"], case .map = additional {
                    return Self.schema(at: path.dropFirst(), in: additional, validator: validator)
                }
            case .index:
                if let items = candidate["items"] {
                    return Self.schema(at: path.dropFirst(), in: items, validator: validator)
                }
            }
        }
        return nil
    }

    /// Operations go four at a time (each its own tenant): thousands of probes at once would
    /// starve the suites that run beside this one.
    @Test func edgesAreRefusedCleanly() async throws {
        let servers = try await TestServers.shared.ready()
        let specification = try Data(contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml"))
        let validator = try SchemaValidator(document: try SpecValue(yaml: specification))
        let operations = SpecOperation.all.filter { !$0.isInbound }
        #expect(operations.map { Self.probes($0, validator: validator).count }.reduce(0, +) > 500)
        try await withAPI { api in
            try await forEach(operations, width: 4) { operation in
                try await Self.probe(operation, validator: validator, api: api)
            }
        }
    }

    static func probe(_ operation: SpecOperation, validator: SchemaValidator, api: APIClient) async throws {
        let probes = Self.probes(operation, validator: validator)
        guard !probes.isEmpty else { return }
        let shop = try await makeTenant("boundary \(operation.id)")
        let key = operation.access == .operator ? operatorToken : shop.key
        // Compared after each refused probe; taken again after an accepted one.
        var before = try await Self.fingerprint(shop.tenant)
        do {
            for probe in probes {
                let path = operation.concretePath(tenant: shop.tenant)
                var headers: HTTPFields = [.authorization: "Bearer \(key)"]
                var body: ByteBuffer?
                if let json = probe.body {
                    headers[.contentType] = "application/json"
                    body = ByteBuffer(string: json.text)
                }
                let response = try await api.client.execute(
                    uri: probe.query.isEmpty ? path : "\(path)?\(probe.query)",
                    method: operation.method,
                    headers: headers,
                    body: body
                )
                let status = Int(response.status.code)
                let context = "\(operation) \(probe): \(status) \(String(buffer: response.body).prefix(300))"
                #expect(status < 500, "\(context)")
                if (400..<500).contains(status) {
                    #expect(response.headers[.contentType] == "application/problem+json", "\(context)")
                    #expect(try await Self.fingerprint(shop.tenant) == before, "a refused request wrote: \(context)")
                } else {
                    before = try await Self.fingerprint(shop.tenant)
                }
            }
        }
    }
}
