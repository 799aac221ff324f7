import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import Logging
import Metrics

/// The outermost middleware: gives every request an id (`X-Request-Id`, in every log line and
/// in problem `instance`), turns any error into problem+json, and logs one line per request
/// with status and duration, counted in `jifen_http_requests_total` and
/// `jifen_http_request_duration_seconds` by route pattern (never the raw path: member ids would
/// make a series each).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let requestID = Self.requestID(from: request) ?? context.id
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let start = ContinuousClock.now
        let scope = RequestScope(requestID: requestID, principal: .anonymous)
        var response = await RequestScope.$current.withValue(scope) { [context] in
            await LogScope.with(["request_id": requestID]) {
                do {
                    return try await next(request, context)
                } catch {
                    return ErrorMapping.jifenError(for: error, logger: context.logger).response()
                }
            }
        }
        if let tenant = scope.trace.tenant { context.logger[metadataKey: "tenant_id"] = "\(tenant)" }
        response.headers[.requestID] = requestID
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(
            label: "jifen_http_requests_total",
            dimensions: [("method", method), ("route", route), ("status", String(response.status.code))]
        ).increment()
        Timer(label: "jifen_http_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .record(duration: elapsed)
        // Probes and scrapes come every few seconds from the orchestrator: debug, not info.
        let routine = request.uri.path.hasPrefix("/health/") || request.uri.path == "/metrics"
        let level: Logger.Level = response.status.code >= 500 ? .error : routine ? .debug : .info
        context.logger.log(
            level: level,
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(loggablePath(request.uri.path))",
                "status": "\(response.status.code)",
                "duration_ms":
                    "\(elapsed.milliseconds)",
            ]
        )
        return response
    }

    /// Accepts a caller's id (a proxy's, or the shop's) when it is short and printable, so one
    /// id follows the request through both systems' logs.
    static func requestID(from request: Request) -> String? {
        guard let id = request.headers[.requestID], (1...128).contains(id.count),
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        else { return nil }
        return id
    }
}

/// The path as logged. A console invitation's path holds its token, which opens an account until
/// it is used (docs/security.md, The console): the log keeps only its scheme.
func loggablePath(_ path: String) -> String {
    let invitations = "/console/invitations/"
    guard path.hasPrefix(invitations) else { return path }
    return invitations + String(path.dropFirst(invitations.count).prefix(4)) + "…"
}

extension HTTPField.Name {
    static let requestID = known("X-Request-Id")
    static let idempotencyKey = known("Idempotency-Key")
    static let idempotentReplayed = known("Idempotent-Replayed")
    static let rateLimitLimit = known("RateLimit-Limit")
    static let rateLimitRemaining = known("RateLimit-Remaining")
    static let rateLimitReset = known("RateLimit-Reset")

    /// For names spelled in this file, which are valid tokens.
    private static func known(_ name: String) -> Self {
        guard let field = Self(name) else { preconditionFailure("invalid header name \(name)") }
        return field
    }
}

extension JifenError {
    func response() -> Response {
        Response(status: code.status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: problemBody)))
    }
}
