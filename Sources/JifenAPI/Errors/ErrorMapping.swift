import Foundation
import Hummingbird
import JifenCore
import JifenPostgres
import Logging
import NIOCore
import OpenAPIRuntime

/// Turns any error that reaches the edge into a ``JifenError``, so every failure leaves as
/// problem+json with a stable type. Unknown errors become `internal-error` and are logged
/// with their details; the client sees only the request id.
enum ErrorMapping {
    static func jifenError(for error: any Error, logger: Logger) -> JifenError {
        switch error {
        case let error as JifenError:
            return error
        case let error as ServerError:
            return fromOpenAPI(error, logger: logger)
        case let error as HTTPError:
            return fromHummingbird(error)
        case let error as DecodingError:
            return fromDecoding(error)
        case is NIOTooManyBytesError:
            return JifenError(.payloadTooLarge, "The body is larger than 1 MiB.")
        default:
            if let unavailable = Database.unavailable(error) { return unavailable }
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return JifenError(.internalError, "Something went wrong on our side; quote the instance id if it persists.")
        }
    }

    /// Errors of generated handlers arrive wrapped in `ServerError`.
    static func fromOpenAPI(_ error: ServerError, logger: Logger) -> JifenError {
        let underlying = error.underlyingError
        if underlying is JifenError || underlying is DecodingError || Database.unavailable(underlying) != nil {
            return jifenError(for: underlying, logger: logger)
        }
        switch error.httpStatus.code {
        case 415:
            return JifenError(.unsupportedMediaType, "Send the body as application/json.")
        case 400..<500:
            return JifenError(.badRequest, error.causeDescription)
        default:
            logger.error(
                "operation failed",
                metadata: ["operation": "\(error.operationID)", "error": "\(String(reflecting: underlying))"]
            )
            return JifenError(.internalError, "Something went wrong on our side; quote the instance id if it persists.")
        }
    }

    static func fromHummingbird(_ error: HTTPError) -> JifenError {
        switch error.status.code {
        case 404: JifenError(.notFound, "No such route.")
        case 405: JifenError(.methodNotAllowed, "This route does not support the method.")
        case 413: JifenError(.payloadTooLarge, "The body is larger than 1 MiB.")
        case 415: JifenError(.unsupportedMediaType, "Send the body as application/json.")
        case 400..<500: JifenError(.badRequest, error.body ?? "Bad request.")
        default: JifenError(.internalError, "Something went wrong on our side; quote the instance id if it persists.")
        }
    }

    /// Malformed JSON is a 400; well-formed JSON with a missing or mistyped field is a 422
    /// naming the field.
    static func fromDecoding(_ error: DecodingError) -> JifenError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return JifenError(.invalidJSON, "The body is not valid JSON.")
        case .keyNotFound(let key, let context):
            return .invalid(fieldPath(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            return .invalid(fieldPath(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            return .invalid(fieldPath(context.codingPath), "must be \(typeName(type))")
        case .dataCorrupted(let context):
            return .invalid(fieldPath(context.codingPath), describe(context))
        @unknown default:
            return JifenError(.badRequest, "The body could not be decoded.")
        }
    }

    /// `lines[1].quantity`, the way clients write the path.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var result = ""
        for key in path {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return result.isEmpty ? "body" : result
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Date.Type: "an RFC 3339 date-time"
        default:
            String(describing: type).contains("Array") ? "an array" : "an object"
        }
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        let text = context.debugDescription
        if text.contains("Cannot initialize") { return "is not one of the allowed values" }
        if text.lowercased().contains("date") { return "must be an RFC 3339 date-time" }
        if text.contains("Number") || text.contains("number") { return "must be an integer in range" }
        return text
    }
}
