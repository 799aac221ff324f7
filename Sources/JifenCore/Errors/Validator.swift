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

    /// Throws ``JifenError/Code/validationFailed`` naming every recorded field, if any.
    public func finish() throws(JifenError) {
        if !errors.isEmpty { throw JifenError.validation(errors) }
    }
}
