import Foundation
import JifenCore

/// A shop using Jifen.
public struct Tenant: Sendable, Hashable {
    public var id: TenantID
    public var name: String
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id.rawValue) }
}

/// A key just issued: the only moment its secret exists outside the client.
public struct IssuedAPIKey: Sendable, Hashable {
    public var id: UUID
    public var tenant: TenantID
    public var name: String?
    public var secret: APIKeySecret
    public var createdAt: Date
}

/// Who a valid API key belongs to.
public struct AuthenticatedKey: Sendable, Hashable {
    public var tenant: TenantID
    public var keyID: UUID
}
