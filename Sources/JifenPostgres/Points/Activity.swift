import Foundation
import JifenCore

/// A non-order activity as the shop reports it.
public struct ActivityDraft: Sendable, Hashable {
    public var type: String
    public var externalID: ExternalID
    public var occurredAt: Date?
    /// Free-form JSON object text, kept for the shop.
    public var metadata: String

    public init(type: String, externalID: ExternalID, occurredAt: Date? = nil, metadata: String = "{}") {
        self.type = type
        self.externalID = externalID
        self.occurredAt = occurredAt
        self.metadata = metadata
    }
}

/// An activity as recorded, with the points it earned (0 and a reason over a limit).
public struct Activity: Sendable, Hashable {
    public var id: UUID
    public var member: String
    public var type: String
    public var externalID: String
    public var occurredAt: Date
    public var points: Int64
    public var reason: String?
    /// `pending`, `available`, or `none` when it earned nothing.
    public var state: String
    public var programVersion: Int
    public var createdAt: Date
    /// The shop's `metadata` (JSON text): read for the personal-data export only.
    public var metadata: String? = nil
}
