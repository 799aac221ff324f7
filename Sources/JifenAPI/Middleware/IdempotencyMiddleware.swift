import Crypto
import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import Logging
import OpenAPIRuntime

/// Makes retried POSTs safe (`Idempotency-Key`): the first request with a key runs and its
/// response is stored; the same key with the same method, path and body gets that response
/// again (`Idempotent-Replayed: true`); with anything else, 422; while the first still runs,
/// 409 `idempotency-request-in-progress`.
///
/// The request's work and its stored answer are one transaction (``IdempotencyStore``).
/// Responses under 500 are stored (a validation error is as deterministic as a success), but
/// a 4xx keeps none of the work it may have begun; a 5xx or a crash stores nothing and undoes
/// everything, so the retry runs again.
///
/// An operation with a streamed body (an import's upload) is keyed by its method and path
/// only: its body is a file of up to 1 GiB, passed on as a stream, never collected.
struct IdempotencyMiddleware: ServerMiddleware {
    let store: IdempotencyStore
    let logger: Logger
    var contract: APIContract? = nil

    /// Responses are small JSON documents; a stored one is bounded like a request.
    static let maximumStoredBody = 4 * 1024 * 1024

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard request.method == .post, let key = request.headerFields[.idempotencyKey] else {
            return try await next(request, body, metadata)
        }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\0" }) else {
            throw JifenError.invalid("Idempotency-Key", "must be 1–255 printable ASCII characters")
        }
        let scope: TenantID
        switch RequestScope.current.principal {
        case .tenant(let tenant): scope = tenant
        case .operator: scope = IdempotencyStore.operatorScope
        case .anonymous: return try await next(request, body, metadata)
        }

        let streamed = contract?.operations[operationID]?.streamedBodyLimit != nil
        let bytes = streamed ? [] : try await ContractMiddleware.collect(body)
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.path ?? "")\n".utf8))
        hasher.update(data: bytes)
        let requestHash = Data(hasher.finalize())
        let forward = streamed ? body : (bytes.isEmpty ? nil : HTTPBody(bytes))

        do {
            return try await answer(key, scope: scope, requestHash: requestHash, request, forward, metadata, next)
        } catch let failed as AnsweredWithServerError {
            return (failed.response, HTTPBody(failed.bytes))
        }
    }

    func answer(
        _ key: String,
        scope: TenantID,
        requestHash: Data,
        _ request: HTTPRequest,
        _ body: HTTPBody?,
        _ metadata: ServerRequestMetadata,
        _ next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        try await store.withKey(key, scope: scope, requestHash: requestHash) { begin, connection in
            switch begin {
            case .mismatch:
                throw JifenError(.idempotencyKeyReused, "This Idempotency-Key was used with a different request.")
            case .inProgress:
                throw JifenError(
                    .idempotencyRequestInProgress,
                    "A request with this Idempotency-Key is still being processed."
                )
            case .replay(let stored):
                var response = HTTPResponse(status: .init(code: stored.status))
                response.headerFields[.idempotentReplayed] = "true"
                if let contentType = stored.contentType { response.headerFields[.contentType] = contentType }
                return ((response, HTTPBody([UInt8](stored.body))), nil)
            case .proceed:
                break
            }
            let answered = try await run(next, request, body, metadata, on: connection)
            let answerBytes = answered.bytes
            guard answered.response.status.code < 500 else {
                // Undo everything and store nothing: the retry must run again.
                throw AnsweredWithServerError(response: answered.response, bytes: answerBytes)
            }
            return (
                (answered.response, HTTPBody(answerBytes)),
                IdempotencyStore.StoredResponse(
                    status: answered.response.status.code,
                    contentType: answered.response.headerFields[.contentType],
                    body: Data(answerBytes)
                )
            )
        }
    }

    /// The handler's answer, its work kept only for a 2xx/3xx.
    func run(
        _ next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        _ request: HTTPRequest,
        _ body: HTTPBody?,
        _ metadata: ServerRequestMetadata,
        on connection: TenantConnection
    ) async throws -> (response: HTTPResponse, bytes: [UInt8]) {
        do {
            return try await connection.savepoint { _ in
                let (response, body) = try await next(request, body, metadata)
                let answer = try await Self.collect(body)
                guard response.status.code < 400 else { throw Refused(response: response, bytes: answer) }
                return (response, answer)
            }
        } catch let refused as Refused {
            return (refused.response, refused.bytes)
        } catch {
            let problem = ErrorMapping.jifenError(for: error, logger: logger)
            guard problem.httpStatus.code < 500 else { throw error }
            var response = HTTPResponse(status: problem.httpStatus)
            response.headerFields = problem.httpHeaderFields
            return (response, try await Self.collect(problem.httpBody))
        }
    }

    static func collect(_ body: HTTPBody?) async throws -> [UInt8] {
        guard let body else { return [] }
        return try await [UInt8](collecting: body, upTo: maximumStoredBody)
    }

    /// A 4xx the handler answered: thrown through the savepoint so its work is undone.
    struct Refused: Error {
        var response: HTTPResponse
        var bytes: [UInt8]
    }
}

/// A 5xx answer leaves the key's transaction by throwing, so nothing of it commits; the
/// middleware outside turns it back into that answer.
struct AnsweredWithServerError: Error {
    var response: HTTPResponse
    var bytes: [UInt8]
}
