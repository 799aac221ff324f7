import Foundation

/// A tenant (a shop). Every tenant-owned row carries one, first in its primary key.
public struct TenantID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: UUID

    public init(_ rawValue: UUID) { self.rawValue = rawValue }

    /// Parses the canonical UUID text form, as it appears in paths and logs.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.rawValue = uuid
    }

    /// The lowercase form PostgreSQL prints, so logs and the database agree.
    public var description: String { rawValue.uuidString.lowercased() }
}
