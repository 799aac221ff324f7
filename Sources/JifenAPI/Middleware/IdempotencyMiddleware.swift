import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import JifenPostgres
import NIOConcurrencyHelpers

/// Makes retried POSTs safe (`Idempotency-Key`): the first request with a key runs and its
/// response is stored; the same key with the same method, path and body gets that response
/// again (`Idempotent-Replayed: true`); with anything else, 422.
///
/// Responses under 500 are stored (a validation error is as deterministic as a success);
/// a 5xx releases the key so the retry runs again.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: IdempotencyStore

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw JifenError.invalid("Idempotency-Key", "must be 1–255 printable ASCII characters")
        }
        let scope: TenantID
        switch RequestScope.current.principal {
        case .tenant(let tenant): scope = tenant
        case .operator: scope = IdempotencyStore.operatorScope
        case .anonymous: return try await next(request, context)
        }

        var request = request
        let body = try await request.collectBody(upTo: BodyLimitMiddleware<Context>.maxBodySize)
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        let requestHash = Data(hasher.finalize())

        switch try await store.claim(key, scope: scope, requestHash: requestHash) {
        case .mismatch:
            throw JifenError(.idempotencyKeyReused, "This Idempotency-Key was used with a different request.")
        case .inProgress:
            throw JifenError(
                .idempotencyRequestInProgress,
                "A request with this Idempotency-Key is still being processed."
            )
        case .replay(let stored):
            var headers: HTTPFields = [.idempotentReplayed: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(
                status: .init(code: stored.status),
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(data: stored.body))
            )
        case .proceed:
            break
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as JifenError where error.code.status.code < 500 {
            response = error.response()
        } catch {
            try? await store.abandon(key, scope: scope)
            throw error
        }
        guard response.status.code < 500 else {
            try? await store.abandon(key, scope: scope)
            return response
        }
        // Responses are small JSON documents: buffer the body to store it and send it.
        let collector = BodyCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        let bytes = collector.bytes
        try await store.complete(
            key,
            scope: scope,
            response: .init(
                status: Int(response.status.code),
                contentType: response.headers[.contentType],
                body: Data(bytes.readableBytesView)
            )
        )
        var replayable = response
        replayable.body = .init(byteBuffer: bytes)
        return replayable
    }
}

/// Accumulates a response body written through ``CollectingWriter``.
final class BodyCollector: Sendable {
    private let buffer = NIOLockedValueBox(ByteBuffer())
    var bytes: ByteBuffer { buffer.withLockedValue { $0 } }
    func append(_ part: ByteBuffer) { buffer.withLockedValue { $0.writeImmutableBuffer(part) } }
}

struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws { collector.append(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
