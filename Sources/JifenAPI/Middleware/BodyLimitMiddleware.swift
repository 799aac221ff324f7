import Hummingbird
import JifenCore
import NIOCore

/// Reads request bodies into memory up to 1 MiB and refuses larger ones with 413 before any
/// handler runs. Jifen's bodies are small JSON documents; collecting them once here also lets
/// ``IdempotencyMiddleware`` hash the exact bytes.
///
/// An operation the spec gives `x-jifen-max-body-bytes` (an import's upload) is the exception,
/// decided by the route the router matched, never by the raw path: its body is left as a
/// stream for its handler, which stores it chunk by chunk and enforces that larger limit.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maxBodySize: Int { 1024 * 1024 }
    var contract: APIContract? = nil

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let limit = contract?.operation(method: request.method.rawValue, endpointPath: context.endpointPath)?
            .streamedBodyLimit
        {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                throw JifenError(.payloadTooLarge, "The file is larger than \(limit) bytes.")
            }
            return try await next(request, context)
        }
        let tooLarge = JifenError(.payloadTooLarge, "The body is larger than 1 MiB (\(Self.maxBodySize) bytes).")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodySize {
            throw tooLarge
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: Self.maxBodySize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) is only found too large while it is read.
            throw tooLarge
        }
        return try await next(request, context)
    }
}
