import Foundation

/// An API response body (a generated schema value) as the JSON a client would read: pages
/// that show what the API shows read it by the spec's field names rather than depending on
/// the generator's nested type names.
enum Wire {
    static func object(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return (try JSONSerialization.jsonObject(with: encoder.encode(value)) as? [String: Any]) ?? [:]
    }

    static func date(_ value: Any?) -> Date? {
        // The encoder above writes whole seconds; a format style is a value, not a formatter
        // made per call for every date of a 50-row table.
        guard let text = value as? String else { return nil }
        return try? Date(text, strategy: .iso8601)
    }

    static func int(_ value: Any?) -> Int64 {
        if let number = value as? Int64 { return number }
        if let number = value as? Int { return Int64(number) }
        if let number = value as? NSNumber { return number.int64Value }
        return 0
    }

    static func double(_ value: Any?) -> Double? {
        if let number = value as? Double { return number }
        if let number = value as? NSNumber { return number.doubleValue }
        return nil
    }

    static func string(_ value: Any?) -> String { (value as? String) ?? "" }

    static func array(_ value: Any?) -> [[String: Any]] { (value as? [Any])?.compactMap { $0 as? [String: Any] } ?? [] }
}
