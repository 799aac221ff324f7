import Foundation
import JifenCore

/// Checks a value against a schema of the spec: the subset of JSON Schema 2020-12 that
/// `openapi/openapi.yaml` uses (`type`, `enum`, bounds, lengths, `pattern`, `format`,
/// `required`, `properties`, `additionalProperties`, `items`, `allOf`/`anyOf`/`oneOf`, `$ref`).
/// Every constraint the spec declares is enforced here, once, before any handler runs; the
/// handlers keep the rules the spec cannot say (a currency's minor units, cross-field rules).
struct SchemaValidator: Sendable {
    let document: SpecValue
    /// Compiled once per pattern; the spec has a handful.
    let patterns: [String: Pattern]

    /// A compiled regex: immutable once built, so safe to share between requests.
    struct Pattern: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
    }

    init(document: SpecValue) throws {
        self.document = document
        var patterns: [String: Pattern] = [:]
        Self.collectPatterns(document) { pattern in
            if patterns[pattern] == nil, let regex = try? Regex(pattern) { patterns[pattern] = Pattern(regex: regex) }
        }
        self.patterns = patterns
    }

    private static func collectPatterns(_ value: SpecValue, _ found: (String) -> Void) {
        switch value {
        case .map(let pairs):
            for (key, child) in pairs {
                if key == "pattern", let text = child.string { found(text) } else { collectPatterns(child, found) }
            }
        case .list(let items): for item in items { collectPatterns(item, found) }
        default: break
        }
    }

    /// `#/components/schemas/X` and the like.
    func resolve(_ schema: SpecValue) -> SpecValue {
        var current = schema
        var hops = 0
        while let reference = current["$ref"]?.string, reference.hasPrefix("#/"), hops < 16 {
            var node = document
            for part in reference.dropFirst(2).split(separator: "/") {
                guard let next = node[String(part)] else { return current }
                node = next
            }
            current = node
            hops += 1
        }
        return current
    }

    func validate(_ value: JSONValue, against schema: SpecValue, at path: String, into errors: inout [FieldError]) {
        let schema = resolve(schema)
        for part in schema["allOf"]?.items ?? [] { validate(value, against: part, at: path, into: &errors) }
        for keyword in ["anyOf", "oneOf"] {
            guard let options = schema[keyword]?.items, !options.isEmpty else { continue }
            let matches = options.filter { option in
                var scratch: [FieldError] = []
                validate(value, against: option, at: path, into: &scratch)
                return scratch.isEmpty
            }
            if matches.isEmpty || (keyword == "oneOf" && matches.count > 1) {
                errors.append(FieldError(field: path, message: "does not match any of the allowed shapes"))
                return
            }
        }
        let types = schema["type"].map { $0.items.isEmpty ? [$0.string ?? ""] : $0.items.compactMap(\.string) } ?? []
        if !types.isEmpty, !types.contains(where: { Self.matches(value, type: $0) }) {
            errors.append(FieldError(field: path, message: "must be \(Self.describe(types))"))
            return
        }
        if let allowed = schema["enum"]?.items, !allowed.isEmpty {
            let texts = allowed.compactMap(\.string)
            let matched: Bool
            switch value {
            case .string(let text): matched = allowed.contains { if case .string(text) = $0 { true } else { false } }
            case .number(let text): matched = texts.contains(text)
            case .bool(let flag): matched = texts.contains(flag ? "true" : "false")
            case .null: matched = texts.contains("null")
            default: matched = false
            }
            if !matched {
                errors.append(FieldError(field: path, message: "must be one of: \(texts.joined(separator: ", "))"))
                return
            }
        }
        switch value {
        case .string(let text): validateString(text, schema: schema, at: path, into: &errors)
        case .number(let text): validateNumber(text, schema: schema, types: types, at: path, into: &errors)
        case .array(let items):
            if let minimum = schema["minItems"]?.int, items.count < minimum {
                errors.append(FieldError(field: path, message: "must have at least \(minimum) items"))
            }
            if let maximum = schema["maxItems"]?.int, items.count > maximum {
                errors.append(FieldError(field: path, message: "must have at most \(maximum) items"))
                return
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    validate(item, against: itemSchema, at: "\(path)[\(index)]", into: &errors)
                }
            }
        case .object(let members):
            let properties = resolve(schema)["properties"]
            for required in schema["required"]?.items.compactMap(\.string) ?? []
            where !members.contains(where: { $0.key == required }) {
                errors.append(FieldError(field: Self.join(path, required), message: "is required"))
            }
            let additional = schema["additionalProperties"]
            for (key, member) in members {
                let field = Self.join(path, key)
                if let propertySchema = properties?[key] {
                    validate(member, against: propertySchema, at: field, into: &errors)
                } else if let additional {
                    if additional.string == "false" {
                        errors.append(FieldError(field: field, message: "is not a field of this object"))
                    } else if case .map = additional {
                        validate(member, against: additional, at: field, into: &errors)
                    }
                }
            }
        case .bool, .null: break
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .number): true
        case ("integer", .number(let text)): isIntegerLiteral(text)
        default: false
        }
    }

    static func isIntegerLiteral(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func describe(_ types: [String]) -> String {
        let names = types.filter { $0 != "null" }.map { type -> String in
            switch type {
            case "integer": "an integer"
            case "array": "an array"
            case "object": "an object"
            default: "a \(type)"
            }
        }
        let text = names.joined(separator: " or ")
        return types.contains("null") ? "\(text) or null" : text
    }

    func validateString(_ text: String, schema: SpecValue, at path: String, into errors: inout [FieldError]) {
        // PostgreSQL's text cannot hold NUL: refuse it everywhere rather than fail in the store.
        if text.unicodeScalars.contains("\u{0}") {
            errors.append(FieldError(field: path, message: "must not contain NUL characters"))
            return
        }
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"]?.int, length < minimum {
            errors.append(FieldError(field: path, message: "must be at least \(minimum) characters"))
            return
        }
        if let maximum = schema["maxLength"]?.int, length > maximum {
            errors.append(FieldError(field: path, message: "must be at most \(maximum) characters"))
            return
        }
        // JSON Schema patterns are not anchored: a match anywhere counts (the spec's are ^…$).
        if let pattern = schema["pattern"]?.string, let compiled = patterns[pattern],
            (try? compiled.regex.firstMatch(in: text)) == nil
        {
            errors.append(FieldError(field: path, message: "must match \(pattern)"))
            return
        }
        if let format = schema["format"]?.string, !Self.conforms(text, format: format) {
            errors.append(FieldError(field: path, message: "must be \(Self.formatName(format))"))
        }
    }

    func validateNumber(
        _ text: String,
        schema: SpecValue,
        types: [String],
        at path: String,
        into errors: inout [FieldError]
    ) {
        let format = schema["format"]?.string
        if types.contains("integer") || format == "int64" || format == "int32" {
            let fits = format == "int32" ? Int32(text) != nil : Int64(text) != nil
            guard fits else {
                errors.append(FieldError(field: path, message: "must be an integer in range"))
                return
            }
        }
        guard let number = Decimal(string: text) else {
            errors.append(FieldError(field: path, message: "must be a number"))
            return
        }
        if let minimum = schema["minimum"]?.string.flatMap({ Decimal(string: $0) }), number < minimum {
            errors.append(FieldError(field: path, message: "must be at least \(minimum)"))
        } else if let maximum = schema["maximum"]?.string.flatMap({ Decimal(string: $0) }), number > maximum {
            errors.append(FieldError(field: path, message: "must be at most \(maximum)"))
        } else if let minimum = schema["exclusiveMinimum"]?.string.flatMap({ Decimal(string: $0) }), number <= minimum {
            errors.append(FieldError(field: path, message: "must be more than \(minimum)"))
        } else if let maximum = schema["exclusiveMaximum"]?.string.flatMap({ Decimal(string: $0) }), number >= maximum {
            errors.append(FieldError(field: path, message: "must be less than \(maximum)"))
        }
    }

    static func formatName(_ format: String) -> String {
        switch format {
        case "date-time": "an RFC 3339 date-time"
        case "date": "a date (YYYY-MM-DD)"
        case "uuid": "a UUID"
        case "email": "an email address"
        case "uri": "an absolute URI"
        default: "a \(format)"
        }
    }

    static func conforms(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time": RFC3339.isDateTime(text)
        case "date": RFC3339.isDate(text)
        case "uuid": UUID(uuidString: text) != nil
        case "email":
            text.split(separator: "@", omittingEmptySubsequences: false).count == 2
                && !text.hasPrefix("@") && !text.hasSuffix("@") && !text.contains(where: \.isWhitespace)
        case "uri": URLComponents(string: text)?.scheme != nil
        default: true
        }
    }
}

/// The date formats of the spec, checked by their grammar and calendar before the decoder.
enum RFC3339 {
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) })
        else { return false }
        return year >= 1 && (1...12).contains(month) && (1...daysIn(month: month, year: year)).contains(day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2026-11-30T08:15:00Z`, `2026-11-30T08:15:00.123+08:00`.
    static func isDateTime(_ text: String) -> Bool {
        guard text.count >= 20, text.allSatisfy(\.isASCII) else { return false }
        let characters = Array(text)
        guard isDate(String(characters[0..<10])), characters[10] == "T" || characters[10] == "t" else { return false }
        let rest = characters[11...]
        guard rest.count >= 9, rest[rest.startIndex + 2] == ":", rest[rest.startIndex + 5] == ":",
            let hour = Int(String(rest[rest.startIndex..<rest.startIndex + 2])),
            let minute = Int(String(rest[rest.startIndex + 3..<rest.startIndex + 5])),
            let second = Int(String(rest[rest.startIndex + 6..<rest.startIndex + 8])),
            hour < 24, minute < 60, second < 61
        else { return false }
        var index = rest.startIndex + 8
        if index < rest.endIndex, rest[index] == "." {
            index += 1
            let start = index
            while index < rest.endIndex, rest[index].isNumber { index += 1 }
            guard index > start else { return false }
        }
        let zone = String(rest[index...])
        if zone == "Z" || zone == "z" { return true }
        let zoneParts = zone.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard zone.first == "+" || zone.first == "-", zoneParts.count == 2,
            zoneParts.allSatisfy({ $0.count == 2 }),
            let zoneHour = Int(zoneParts[0]), let zoneMinute = Int(zoneParts[1])
        else { return false }
        return zoneHour < 24 && zoneMinute < 60
    }
}

extension SpecValue {
    var int: Int? { string.flatMap { Int($0) } }
}
