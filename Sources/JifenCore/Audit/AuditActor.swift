/// Who made a change, for the audit log: set once per request by whoever authenticated it (the
/// API's key or operator token, the console's session) and read by the store that records the
/// change in the same transaction. A task-local rather than a parameter: every administrative
/// store call would otherwise carry it, and code that runs with no request (workers, the CLI)
/// is `system` without saying so.
public struct AuditActor: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case apiKey = "api_key"
        case `operator`
        case console
        case system
    }

    public var kind: Kind
    /// The key's id, the console user's id; `nil` for the operator and the system.
    public var id: String?
    /// The key's or user's name when it has one, so the log reads without a join.
    public var name: String?
    /// The request that made the change (`X-Request-Id`).
    public var requestID: String?

    public init(kind: Kind, id: String? = nil, name: String? = nil, requestID: String? = nil) {
        self.kind = kind
        self.id = id
        self.name = name
        self.requestID = requestID
    }

    public static let system = AuditActor(kind: .system)

    @TaskLocal public static var current = AuditActor.system
}
