import Foundation
import JifenCore

/// A shop using Jifen.
public struct Tenant: Sendable, Hashable {
    public var id: TenantID
    public var name: String
    public var createdAt: Date
    var createdAtMicros: Int64
    /// The tenant's own rate limit; `nil` means the server's default.
    public var rateLimit: RateLimit?

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id.rawValue) }
}

/// A key just issued: the only moment its secret exists outside the client.
public struct IssuedAPIKey: Sendable, Hashable {
    public var id: UUID
    public var tenant: TenantID
    public var name: String?
    public var scopes: [APIScope]
    public var secret: APIKeySecret
    public var createdAt: Date
}

/// A key as its tenant's list shows it: never the secret, only its prefix.
public struct APIKeyInfo: Sendable, Hashable {
    public var id: UUID
    public var name: String?
    public var prefix: String
    public var scopes: [APIScope]
    public var createdAt: Date
    var createdAtMicros: Int64
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// Who a valid API key belongs to.
public struct AuthenticatedKey: Sendable, Hashable {
    public var tenant: TenantID
    public var keyID: UUID
    /// The tenant's own rate limit; `nil` means the server's default.
    public var rateLimit: RateLimit?
    /// What the key may do: checked against the scope the matched operation names.
    public var scopes: Set<APIScope>
    /// The key's name, for the audit log.
    public var name: String?

    public init(
        tenant: TenantID,
        keyID: UUID,
        rateLimit: RateLimit?,
        scopes: Set<APIScope> = Set(APIScope.allCases),
        name: String? = nil
    ) {
        self.tenant = tenant
        self.keyID = keyID
        self.rateLimit = rateLimit
        self.scopes = scopes
        self.name = name
    }
}

extension RateLimit {
    /// The pair of nullable columns: both set or neither (a CHECK constraint).
    static func stored(perSecond: Int?, burst: Int?) -> RateLimit? {
        guard let perSecond, let burst else { return nil }
        return RateLimit(perSecond: perSecond, burst: burst)
    }
}
