import Foundation
import JifenCore

/// A shop's webhook endpoint. The secret is only ever returned when it is made or rotated.
public struct WebhookEndpoint: Sendable, Hashable {
    public var id: UUID
    public var url: String
    /// Empty: every event type.
    public var eventTypes: [String]
    public var description: String?
    public var enabled: Bool
    public var disabledReason: String?
    public var failingSince: Date?
    public var createdAt: Date
    public var updatedAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// What signing a delivery needs: the endpoint's URL and its current secret, and the previous
/// one while a rotation is in progress.
public struct EndpointSigning: Sendable {
    public var url: String
    public var secrets: [String]
    public var enabled: Bool
    /// When the endpoint started failing, if it is failing: 5 days of it disable the endpoint.
    public var failingSince: Date?
}
