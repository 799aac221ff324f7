import Crypto
import Foundation
import Hummingbird
import JifenCore
import JifenPostgres

/// Authenticates by path: `/v1/…` needs a tenant API key, `/admin/…` the operator token,
/// everything else (probes, the spec) is public. The caller is put in ``RequestScope`` for
/// the handlers; a handler is never reached without the credential its path needs.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tenants: TenantStore
    /// Empty disables the operator endpoints rather than opening them.
    let operatorToken: String

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let principal: RequestScope.Principal
        var authenticated: AuthenticatedKey?
        if path.hasPrefix("/v1/") || path == "/v1" {
            guard let token = Self.bearer(request), let key = try await tenants.authenticate(token) else {
                throw JifenError(.unauthorized, "The API key is missing, unknown or revoked.")
            }
            principal = .tenant(key.tenant)
            authenticated = key
        } else if path.hasPrefix("/admin/") || path == "/admin" {
            guard let token = Self.bearer(request), !operatorToken.isEmpty,
                Self.constantTimeEqual(token, operatorToken)
            else {
                throw JifenError(.unauthorized, "The operator token is missing or wrong.")
            }
            principal = .operator
        } else {
            principal = .anonymous
        }
        var context = context
        var logFields: [String: String] = [:]
        if case .tenant(let tenant) = principal {
            context.logger[metadataKey: "tenant_id"] = "\(tenant)"
            RequestScope.current.trace.tenant = tenant
            logFields["tenant_id"] = "\(tenant)"
        }
        var scope = RequestScope.current
        scope.principal = principal
        scope.key = authenticated
        return try await RequestScope.$current.withValue(scope) { [context] in
            try await LogScope.with(logFields) { try await next(request, context) }
        }
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Compares digests so timing reveals nothing about the token.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = SHA256.hash(data: Array(a.utf8))
        let right = SHA256.hash(data: Array(b.utf8))
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
