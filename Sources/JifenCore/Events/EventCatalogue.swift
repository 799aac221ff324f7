/// Every event type Jifen sends to shops' webhook endpoints. An endpoint subscribes to some of
/// them, or to all.
public enum EventCatalogue {
    /// Types an endpoint may subscribe to that nothing sends yet: `campaign.completed` (a
    /// campaign has no member stream; docs/webhooks.md says so).
    public static let reserved: [String] = ["campaign.completed"]

    /// The types of ``DomainEvents/all``, then the reserved ones.
    public static let types: [String] = DomainEvents.all.flatMap { $0.types } + reserved

    public static func isKnown(_ type: String) -> Bool { types.contains(type) }
}
