import Foundation
import JifenCore

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
