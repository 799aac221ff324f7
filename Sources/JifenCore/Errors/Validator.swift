/// Collects every invalid field of a request before failing, so a client fixes all of them in
/// one round trip instead of one per request.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// Runs `parse`, recording its ``JifenError`` field errors instead of throwing.
    public mutating func check<T>(_ parse: () throws(JifenError) -> T) -> T? {
        do {
            return try parse()
        } catch {
            errors.append(contentsOf: error.fieldErrors)
            return nil
        }
    }

    /// Checks a free-text field: at most `max` characters (at least one if `required`), and no
    /// control characters but tab and line breaks — PostgreSQL cannot store NUL, and no shop
    /// means to send the others.
    public mutating func text(_ value: String?, _ field: String, max: Int, required: Bool = false) {
        guard let value else {
            if required { fail(field, "is required") }
            return
        }
        if required && value.isEmpty {
            fail(field, "must not be empty")
        } else if value.count > max {
            fail(field, "must be at most \(max) characters")
        } else if value.unicodeScalars.contains(where: {
            $0.properties.generalCategory == .control && !"\t\n\r".unicodeScalars.contains($0)
        }) {
            fail(field, "must not contain control characters")
        }
    }

    /// Throws ``JifenError/Code/validationFailed`` naming every recorded field, if any.
    public func finish() throws(JifenError) {
        if !errors.isEmpty { throw JifenError.validation(errors) }
    }
}
