import JifenCore
import JifenPostgres

/// Who is calling and which request this is, for code that runs below the router
/// (generated OpenAPI handlers, error mapping). Set by ``AuthMiddleware`` and
/// ``RequestLogMiddleware``.
public struct RequestScope: Sendable {
    public enum Principal: Sendable, Equatable {
        case anonymous
        case tenant(TenantID)
        case `operator`
    }

    public var requestID: String
    public var principal: Principal
    /// The API key of a `/v1` request: whose rate limit applies.
    public var key: AuthenticatedKey?

    @TaskLocal public static var current = RequestScope(requestID: "-", principal: .anonymous)

    /// The calling tenant; a handler of a `/v1` route is only reached with one.
    public static func tenant() throws(JifenError) -> TenantID {
        guard case .tenant(let tenant) = current.principal else {
            throw JifenError(.unauthorized, "This endpoint needs a tenant API key.")
        }
        return tenant
    }
}
