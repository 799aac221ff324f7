/// The body of a webhook: `{type, timestamp, data}`. The fan-out builds the same object in SQL
/// (`TenantConnection.fanOutEvents`) from a stored event; this form is for the messages built
/// in Swift (`webhook.test`) and for the tests that check messages against the spec.
public struct WebhookMessage<Payload: Encodable & Sendable>: Encodable, Sendable {
    public var type: String
    /// ISO 8601 with milliseconds, as the fan-out writes it.
    public var timestamp: String
    public var data: Payload

    public init(type: String, timestamp: String, data: Payload) {
        self.type = type
        self.timestamp = timestamp
        self.data = data
    }
}
