import JifenCore
import JifenPostgres
import NIOConcurrencyHelpers

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
    /// Filled in as the request goes down the stack, read by the request log line on the way
    /// back up (task-locals set below it are gone by then).
    public var trace = RequestTrace()

    public init(requestID: String, principal: Principal, key: AuthenticatedKey? = nil) {
        self.requestID = requestID
        self.principal = principal
        self.key = key
    }

    @TaskLocal public static var current = RequestScope(requestID: "-", principal: .anonymous)

    /// The calling tenant; a handler of a `/v1` route is only reached with one.
    public static func tenant() throws(JifenError) -> TenantID {
        guard case .tenant(let tenant) = current.principal else {
            throw JifenError(.unauthorized, "This endpoint needs a tenant API key.")
        }
        return tenant
    }

    /// The second lock on operator handlers: ``ContractMiddleware`` already refused anyone
    /// else, and a handler that is somehow reached another way refuses again.
    public static func requireOperator() throws(JifenError) {
        guard current.principal == .operator else {
            throw JifenError(.unauthorized, "The operator token is missing or wrong.")
        }
    }
}

/// What the request log line learns from deeper middleware: the tenant, once authenticated.
public final class RequestTrace: Sendable {
    private let tenantBox = NIOLockedValueBox<TenantID?>(nil)

    public init() {}

    public var tenant: TenantID? {
        get { tenantBox.withLockedValue { $0 } }
        set { tenantBox.withLockedValue { $0 = newValue } }
    }
}
