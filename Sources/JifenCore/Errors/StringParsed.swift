/// A value parsed from a string by a validating initializer: it decodes through that
/// initializer, so an invalid value in a JSON body fails decoding with the field's path, and it
/// encodes back to the string.
public protocol StringParsed: Codable {
    init(_ text: String, field: String) throws(JifenError)
    var text: String { get }
}

extension StringParsed {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let field = decoder.codingPath.last?.stringValue ?? "value"
        do {
            try self.init(text, field: field)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.detail))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
