import Foundation
import Hummingbird
import JifenCore
import JifenPostgres

/// Identifies the caller from its bearer token, whatever the path: the operator token makes
/// the operator, a known API key makes its tenant, no token makes an anonymous caller. What a
/// caller may do is decided later, by the operation the router matched
/// (``ContractMiddleware``), never here by looking at the path.
///
/// Failed authentication is made cheap for us and expensive for a guesser: a key digest that
/// was unknown is remembered (``KeyAuthenticator``), and a client address that keeps failing
/// is refused with 429 before any lookup (``FailedAuthLimiter``).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = JifenRequestContext

    let keys: KeyAuthenticator
    let failures: FailedAuthLimiter
    /// Empty disables the operator endpoints rather than opening them.
    let operatorToken: String
    let trustForwardedFor: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var principal = RequestScope.Principal.anonymous
        var authenticated: AuthenticatedKey?
        if let token = Self.bearer(request) {
            if !operatorToken.isEmpty, ConstantTime.equal(token, operatorToken) {
                principal = .operator
            } else {
                let client = context.clientAddress(request, trustForwardedFor: trustForwardedFor)
                if let wait = failures.refusal(for: client) {
                    return Self.tooManyFailures(wait)
                }
                if let key = try await keys.authenticate(token) {
                    principal = .tenant(key.tenant)
                    authenticated = key
                } else {
                    // Counted even where the route turns out public: a wrong credential is a guess.
                    failures.recordFailure(for: client)
                    throw JifenError(.unauthorized, "The credential is unknown or revoked.")
                }
            }
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
        // Who the audit log names for any change this request makes (AuditActor).
        let actor: AuditActor =
            switch principal {
            case .operator: AuditActor(kind: .operator, requestID: scope.requestID)
            case .tenant:
                AuditActor(
                    kind: .apiKey,
                    id: authenticated?.keyID.uuidString.lowercased(),
                    name: authenticated?.name,
                    requestID: scope.requestID
                )
            case .anonymous: AuditActor(kind: .system, requestID: scope.requestID)
            }
        return try await RequestScope.$current.withValue(scope) { [context] in
            try await AuditActor.$current.withValue(actor) {
                try await LogScope.with(logFields) { try await next(request, context) }
            }
        }
    }

    static func tooManyFailures(_ wait: Int) -> Response {
        var response = JifenError(
            .rateLimited,
            "Too many failed authentications from this address; retry in \(wait) s."
        ).response()
        response.headers[.retryAfter] = String(wait)
        return response
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
