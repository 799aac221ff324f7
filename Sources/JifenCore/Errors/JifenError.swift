/// The one error type the domain throws. Each has a stable ``Code`` that the API maps to an
/// HTTP status and a problem `type`, so callers never parse messages.
///
/// Modelled on PostgresNIO's `PSQLError`: a struct with an extensible code, so adding a code
/// does not break every `switch` over it.
public struct JifenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable kind of error.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The slug used in problem `type`s: `/problems/<slug>`.
        public let slug: String
        private init(_ slug: String) { self.slug = slug }

        public static let badRequest = Code("bad-request")
        public static let invalidJSON = Code("invalid-json")
        public static let validationFailed = Code("validation-failed")
        public static let unauthorized = Code("unauthorized")
        /// The caller is known but may not do this: an API key without the operation's scope.
        public static let forbidden = Code("forbidden")
        public static let notFound = Code("not-found")
        public static let conflict = Code("conflict")
        /// The member has fewer available points than a redemption or deduction needs.
        public static let insufficientPoints = Code("insufficient-points")
        /// The member's wallet holds less spendable money than a payment needs.
        public static let insufficientFunds = Code("insufficient-funds")
        /// A reward has fewer units left than a claim asks for.
        public static let outOfStock = Code("out-of-stock")
        /// The API key made more requests than its tenant's rate limit allows; retry later.
        public static let rateLimited = Code("rate-limited")
        public static let idempotencyKeyReused = Code("idempotency-key-reused")
        public static let idempotencyRequestInProgress = Code("idempotency-request-in-progress")
        public static let payloadTooLarge = Code("payload-too-large")
        public static let unsupportedMediaType = Code("unsupported-media-type")
        public static let methodNotAllowed = Code("method-not-allowed")
        public static let serviceUnavailable = Code("service-unavailable")
        public static let internalError = Code("internal-error")

        public var description: String { slug }
    }

    public var code: Code
    /// Says what went wrong with this request, for a person. Never contains secrets.
    public var detail: String
    /// For ``Code/validationFailed``: every invalid field.
    public var fieldErrors: [FieldError]

    public init(_ code: Code, _ detail: String, fieldErrors: [FieldError] = []) {
        self.code = code
        self.detail = detail
        self.fieldErrors = fieldErrors
    }

    public var description: String { "\(code): \(detail)" }

    public static func notFound(_ detail: String) -> JifenError { .init(.notFound, detail) }
    public static func conflict(_ detail: String) -> JifenError { .init(.conflict, detail) }
    public static func validation(_ errors: [FieldError]) -> JifenError {
        .init(
            .validationFailed,
            errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
            fieldErrors: errors
        )
    }
    public static func invalid(_ field: String, _ message: String) -> JifenError {
        .validation([FieldError(field: field, message: message)])
    }
}

/// One invalid field of a request, named by its path (`lines[1].quantity`).
public struct FieldError: Sendable, Equatable, Codable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
