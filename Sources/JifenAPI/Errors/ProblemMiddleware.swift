import HTTPTypes
import JifenCore
import Logging
import OpenAPIRuntime

/// The OpenAPI-side half of error mapping: without it, anything a generated handler throws
/// becomes an empty 500 (docs/architecture.md, Pitfalls). It answers with the problem document instead.
struct ProblemMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            var problem = ErrorMapping.jifenError(for: error, logger: logger)
            // Without a body, a field that fails to decode is a path or query parameter: the
            // spec answers those with 400, keeping 422 for request bodies.
            if problem.code == .validationFailed && [.get, .delete, .head].contains(request.method) {
                problem = JifenError(.badRequest, problem.detail, fieldErrors: problem.fieldErrors)
            }
            var response = HTTPResponse(status: problem.httpStatus)
            response.headerFields = problem.httpHeaderFields
            return (response, problem.httpBody)
        }
    }
}
