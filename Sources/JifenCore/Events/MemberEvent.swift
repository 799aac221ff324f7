/// What `domain_events.data` holds for an event on a member's stream: the event's fields and
/// the member's external id. The fan-out adds `sequence` when it builds the webhook message,
/// which the tests pass here to encode a message as sent.
public struct MemberEvent<Event: MemberStreamEvent>: Encodable, Sendable {
    public var member: String
    public var sequence: Int64?
    public var event: Event

    public init(member: String, sequence: Int64? = nil, event: Event) {
        self.member = member
        self.sequence = sequence
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case member, sequence
    }

    /// Flat, as the shop reads it: the event's keys and `member` side by side in one object.
    public func encode(to encoder: any Encoder) throws {
        try event.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(member, forKey: .member)
        try container.encodeIfPresent(sequence, forKey: .sequence)
    }
}
