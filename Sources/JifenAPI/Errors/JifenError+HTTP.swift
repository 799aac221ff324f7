import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import OpenAPIRuntime

/// The one place where domain errors become HTTP: status, problem `type` and body.
extension JifenError.Code {
    var status: HTTPResponse.Status {
        switch self {
        case .badRequest, .invalidJSON: .badRequest
        case .validationFailed, .idempotencyKeyReused, .insufficientPoints, .insufficientFunds: .unprocessableContent
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .idempotencyRequestInProgress, .outOfStock: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .methodNotAllowed: .methodNotAllowed
        case .serviceUnavailable: .serviceUnavailable
        case .rateLimited: .tooManyRequests
        default: .internalServerError
        }
    }

    var title: String {
        switch self {
        case .badRequest: "Bad request"
        case .invalidJSON: "Malformed JSON"
        case .validationFailed: "Validation failed"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .conflict: "Conflict"
        case .insufficientPoints: "Insufficient points"
        case .insufficientFunds: "Insufficient funds"
        case .outOfStock: "Out of stock"
        case .idempotencyKeyReused: "Idempotency key reused"
        case .idempotencyRequestInProgress: "Request in progress"
        case .payloadTooLarge: "Payload too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .methodNotAllowed: "Method not allowed"
        case .serviceUnavailable: "Service unavailable"
        case .rateLimited: "Too many requests"
        default: "Internal error"
        }
    }
}

/// RFC 9457 body. Field order is fixed so stored (idempotent) responses compare byte for byte.
struct ProblemDocument: Codable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String
    var errors: [FieldError]?
}

extension JifenError {
    static let problemContentType = "application/problem+json"

    var problem: ProblemDocument {
        ProblemDocument(
            type: "/problems/\(code.slug)",
            title: code.title,
            status: Int(code.status.code),
            detail: detail,
            instance: RequestScope.current.requestID,
            errors: fieldErrors.isEmpty ? nil : fieldErrors
        )
    }

    var problemBody: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(problem)) ?? Data(#"{"type":"/problems/internal-error","status":500}"#.utf8)
    }

    var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: Self.problemContentType]
        if code == .unauthorized { fields[.wwwAuthenticate] = #"Bearer realm="jifen""# }
        if code == .idempotencyRequestInProgress || code == .serviceUnavailable { fields[.retryAfter] = "1" }
        return fields
    }
}

/// Thrown from Hummingbird middleware and routes.
extension JifenError: HTTPResponseError {
    public var status: HTTPResponse.Status { code.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: problemBody)))
    }
}

/// Thrown from generated OpenAPI handlers (through `ErrorHandlingMiddleware`-style mapping in
/// ``ProblemMiddleware``).
extension JifenError: HTTPResponseConvertible {
    public var httpStatus: HTTPResponse.Status { code.status }
    public var httpHeaderFields: HTTPFields { headers }
    public var httpBody: OpenAPIRuntime.HTTPBody? { HTTPBody(problemBody) }
}
