import HTTPTypes
import Hummingbird
import JifenCore
import JifenPostgres
import Tracing

/// One server span per request (docs/operations.md, Traces), named by the route pattern the
/// router matched (`POST /v1/orders`, never the raw path), with the tenant and the status. It
/// continues a `traceparent` the caller sent, and everything the request does runs inside it:
/// its database transactions are child spans, and the outbox row of a paid order carries its
/// context to the worker that scores it. A no-op while tracing is off.
struct RequestSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HeaderExtractor())
        let method = request.method.rawValue
        return try await withSpan("\(method) unmatched", context: parent, ofKind: .server) { span in
            span.attributes["http.request.method"] = method
            defer {
                if let route = context.endpointPath {
                    span.operationName = "\(method) \(route)"
                    span.attributes["http.route"] = route
                }
                if let tenant = RequestScope.current.trace.tenant {
                    span.attributes["jifen.tenant_id"] = tenant.description
                }
            }
            do {
                let response = try await next(request, context)
                let status = Int(response.status.code)
                span.attributes["http.response.status_code"] = status
                if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
                return response
            } catch {
                // Errors from the middleware below are Jifen's own (401, 413, 429); the request
                // log maps anything else, and logs it, on the way out.
                let status = Int((error as? JifenError)?.code.status.code ?? 500)
                span.attributes["http.response.status_code"] = status
                if status >= 500 {
                    span.setStatus(SpanStatus(code: .error))
                    span.recordError(error)
                }
                throw error
            }
        }
    }
}

/// Reads `traceparent` (and `tracestate`) from the request's headers.
struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
