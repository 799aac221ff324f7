/// A shop's own identifier for a member or an order.
///
/// Shops address their records by these, so an integration needs no id mapping. They appear in
/// URL paths, so the alphabet is restricted to characters that need no escaping there.
public struct ExternalID: Sendable, Hashable, StringParsed, CustomStringConvertible {
    public static let maxLength = 128
    public let rawValue: String

    /// Validates `rawValue`; `field` names it in the error.
    public init(_ rawValue: String, field: String = "external_id") throws(JifenError) {
        guard !rawValue.isEmpty else { throw .invalid(field, "must not be empty") }
        guard rawValue.utf8.count <= Self.maxLength else {
            throw .invalid(field, "must be at most \(Self.maxLength) characters")
        }
        guard let first = rawValue.unicodeScalars.first, Self.isAlphanumeric(first) else {
            throw .invalid(field, "must start with a letter or digit")
        }
        guard rawValue.unicodeScalars.allSatisfy({ Self.isAlphanumeric($0) || Self.punctuation.contains($0) })
        else {
            throw .invalid(field, "may contain only A-Z a-z 0-9 . _ : @ + -")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public var text: String { rawValue }

    private static let punctuation: Set<Unicode.Scalar> = [".", "_", ":", "@", "+", "-"]

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        default: false
        }
    }
}
