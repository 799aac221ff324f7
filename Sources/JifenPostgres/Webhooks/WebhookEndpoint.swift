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
}

/// A message to one endpoint, with every attempt to deliver it.
public struct WebhookDelivery: Sendable, Hashable {
    public struct Attempt: Sendable, Hashable {
        public var number: Int
        public var attemptedAt: Date
        public var statusCode: Int?
        public var latencyMilliseconds: Int
        public var error: String?
        public var response: String?
    }

    public var id: UUID
    public var endpointID: UUID
    public var eventType: String
    public var payload: String
    public var state: String
    public var attempts: [Attempt]
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var deliveredAt: Date?
    var createdAtMicros: Int64

    /// The `webhook-id` header: the same on every attempt and on replays.
    public var messageID: String { Self.messageID(id) }

    public static func messageID(_ id: UUID) -> String {
        "msg_" + id.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The delivery id inside a `msg_…` message id.
    public static func id(fromMessageID text: String) -> UUID? {
        guard text.hasPrefix("msg_"), text.count == 36 else { return nil }
        let h = Array(text.dropFirst(4))
        return UUID(
            uuidString: String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-"
                + String(h[16..<20]) + "-" + String(h[20..<32])
        )
    }

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}
