import Hummingbird
import JifenCore
import NIOCore

/// Reads request bodies into memory up to 1 MiB and refuses larger ones with 413 before any
/// handler runs. Jifen's bodies are small JSON documents; collecting them once here also lets
/// ``IdempotencyMiddleware`` hash the exact bytes.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maxBodySize: Int { 1024 * 1024 }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
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
