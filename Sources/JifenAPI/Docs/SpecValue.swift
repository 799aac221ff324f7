import Foundation
import JifenCore
import Yams

/// The OpenAPI document as an ordered tree: the reference page keeps the spec's own order
/// (paths, properties, responses), which a `[String: Any]` would lose.
indirect enum SpecValue: Sendable {
    case string(String)
    /// A number, boolean or null, kept as written so examples print as the spec has them.
    case literal(String)
    case list([SpecValue])
    case map([(key: String, value: SpecValue)])

    init(yaml: Data) throws {
        // No timestamp rule: dates in examples stay the strings the spec wrote.
        let resolver = Resolver.default.removing(.timestamp)
        guard let root = try Yams.compose(yaml: String(decoding: yaml, as: UTF8.self), resolver) else {
            throw JifenError.invalid("openapi", "the specification is empty")
        }
        self.init(root)
    }

    init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue: self = .literal(scalar.string)
            case Tag.Name.null.rawValue: self = .literal("null")
            default: self = .string(scalar.string)
            }
        case .sequence(let sequence): self = .list(sequence.map(SpecValue.init))
        case .mapping(let mapping): self = .map(mapping.map { (key: $0.key.string ?? "", value: SpecValue($0.value)) })
        case .alias: self = .literal("null")
        }
    }

    subscript(key: String) -> SpecValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    var string: String? {
        switch self {
        case .string(let text), .literal(let text): text
        default: nil
        }
    }

    var pairs: [(key: String, value: SpecValue)] {
        if case .map(let pairs) = self { return pairs }
        return []
    }

    var items: [SpecValue] {
        if case .list(let items) = self { return items }
        return []
    }

    /// Pretty JSON for examples, in the spec's key order.
    func json(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .literal(let text): return text
        case .string(let text):
            let data =
                (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case .list(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.json(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .map(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n"
                + pairs.map { inner + SpecValue.string($0.key).json() + ": " + $0.value.json(indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }
}
