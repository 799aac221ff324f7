/// The message `POST /v1/webhooks/{endpoint}/test` sends to one endpoint. Not on a member's
/// stream: no `member`, no `sequence`.
public struct WebhookTest: DomainEvent, Equatable {
    public static let types = ["webhook.test"]
    public var type: String { "webhook.test" }

    public var endpoint: String

    public init(endpoint: String) { self.endpoint = endpoint }
}
