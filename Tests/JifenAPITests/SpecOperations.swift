import Foundation
import HTTPTypes
import JifenCore
import JifenTestSupport

@testable import JifenAPI

/// The operations of `openapi/openapi.yaml` as the generated tests walk them: method, path
/// template, the credential the spec documents, parameters and the request example.
struct SpecOperation: Sendable, CustomStringConvertible {
    var id: String
    var method: HTTPRequest.Method
    var path: String
    var access: APIContract.Access
    /// The scope a tenant key needs (`tenantKey: [write]`).
    var scope: APIScope?
    /// (name, in, resolved schema)
    var parameters: [(name: String, location: String, schema: SpecValue)]
    var bodySchema: SpecValue?
    var example: JSONValue?

    var description: String { "\(method) \(path) (\(id))" }

    static let all: [SpecOperation] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try! Data(contentsOf: root.appendingPathComponent("openapi/openapi.yaml"))
        let document = try! SpecValue(yaml: data)
        let validator = try! SchemaValidator(document: document)
        let defaultAccess = try! APIContract.access(document["security"], operation: "(document)")
        var operations: [SpecOperation] = []
        for (path, item) in document["paths"]?.pairs ?? [] {
            for (method, operation) in item.pairs {
                guard let id = operation["operationId"]?.string,
                    let httpMethod = HTTPRequest.Method(method.uppercased())
                else { continue }
                let parameters = ((item["parameters"]?.items ?? []) + (operation["parameters"]?.items ?? [])).map {
                    let parameter = validator.resolve($0)
                    return (
                        name: parameter["name"]?.string ?? "",
                        location: parameter["in"]?.string ?? "",
                        schema: validator.resolve(parameter["schema"] ?? .map([]))
                    )
                }
                let json = validator.resolve(operation["requestBody"] ?? .map([]))["content"]?["application/json"]
                operations.append(
                    SpecOperation(
                        id: id,
                        method: httpMethod,
                        path: path,
                        access: try! operation["security"].map { try APIContract.access($0, operation: id) }
                            ?? defaultAccess,
                        scope: try! APIContract.scope(operation["security"] ?? document["security"], operation: id),
                        parameters: parameters,
                        bodySchema: json?["schema"],
                        example: json?["example"].map(JSONValue.init(spec:))
                    )
                )
            }
        }
        return operations
    }()

    /// The path with every `{parameter}` filled: the shop's own ids for members and orders,
    /// the tenant's id, and random UUIDs for the rest (they name nothing: a 404 at worst).
    func concretePath(tenant: TenantID) -> String {
        var result = path
        for (name, location, _) in parameters where location == "path" {
            let value: String
            switch name {
            case "tenant": value = tenant.description
            case "member": value = "cust-1"
            case "order": value = "o-1"
            default: value = UUID().uuidString.lowercased()
            }
            result = result.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return result
    }

    var isInbound: Bool { path.hasPrefix("/hooks/") }
}

extension JSONValue {
    init(spec: SpecValue) {
        switch spec {
        case .string(let text): self = .string(text)
        case .literal(let text):
            switch text {
            case "true": self = .bool(true)
            case "false": self = .bool(false)
            case "null", "~", "": self = .null
            default: self = .number(text)
            }
        case .list(let items): self = .array(items.map(JSONValue.init(spec:)))
        case .map(let pairs): self = .object(pairs.map { (key: $0.key, value: JSONValue(spec: $0.value)) })
        }
    }

    /// Compact JSON text.
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let literal): return literal
        case .string(let string):
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        out += String(format: "\\u%04x", scalar.value)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSONValue.string($0.key).text + ":" + $0.value.text }.joined(separator: ",")
                + "}"
        }
    }

    /// Every leaf with its path (keys and indexes), for mutation.
    func leaves(_ prefix: [PathStep] = []) -> [(path: [PathStep], value: JSONValue)] {
        switch self {
        case .array(let items):
            return items.enumerated().flatMap { $0.element.leaves(prefix + [.index($0.offset)]) }
        case .object(let members):
            return members.flatMap { $0.value.leaves(prefix + [.key($0.key)]) }
        default:
            return [(prefix, self)]
        }
    }

    enum PathStep: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// A copy with the value at `path` replaced.
    func replacing(_ path: ArraySlice<PathStep>, with replacement: JSONValue) -> JSONValue {
        guard let step = path.first else { return replacement }
        switch (self, step) {
        case (.array(var items), .index(let index)) where items.indices.contains(index):
            items[index] = items[index].replacing(path.dropFirst(), with: replacement)
            return .array(items)
        case (.object(var members), .key(let key)):
            if let position = members.firstIndex(where: { $0.key == key }) {
                members[position].value = members[position].value.replacing(path.dropFirst(), with: replacement)
            }
            return .object(members)
        default:
            return self
        }
    }
}
