import HTTPTypes
import Hummingbird
import JifenCore

/// A path the API has, asked with a method it does not support: 405 with `Allow` listing the
/// methods it does, instead of the router's 404 (RFC 9110 §15.5.6).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = JifenRequestContext
    let contract: APIContract

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = contract.methods(forPath: request.uri.path), !allowed.isEmpty,
                !allowed.contains(request.method.rawValue)
            else { throw error }
            var response = JifenError(
                .methodNotAllowed,
                "\(request.method.rawValue) is not supported here; use \(allowed.joined(separator: ", "))."
            ).response()
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
