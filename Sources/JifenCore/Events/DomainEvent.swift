/// An event Jifen records for a shop and sends to its webhook endpoints as a message's `data`.
///
/// Each conforming type is the shape of one event type (or, for ``PointsEvent``, of the family
/// that the spec gives one schema), so the catalogue, the stored JSON and the spec test all
/// follow from the types:
///
/// ```swift
/// public struct TierChanged: MemberStreamEvent {
///     public static let types = ["tier.changed"]
///     public var type: String { "tier.changed" }
///     public var from: String
///     …
/// }
/// ```
///
/// The encoded form is what `domain_events.data` holds, before the store adds `member` (see
/// ``MemberEvent``) and the fan-out adds `sequence`; keep its keys those of the spec's
/// `webhooks:` schema of the type (`WebhookEventSchemaTests` checks them).
public protocol DomainEvent: Encodable, Sendable {
    /// Every `type` string this shape is sent as.
    static var types: [String] { get }
    /// The `type` of this event: one of ``types``.
    var type: String { get }
}

/// An event on a member's stream: stored with the member and numbered per member
/// (``MemberEvent``). Every event but `webhook.test` is one.
public protocol MemberStreamEvent: DomainEvent {}

/// The event types, in the order of the catalogue. A new event type is added here.
public enum DomainEvents {
    public static let all: [any DomainEvent.Type] = [
        PointsEvent.self, PointsExpiring.self, TierChanged.self, ReferralRewarded.self, ReferralRejected.self,
        MemberLapsed.self, InstallmentGranted.self, RewardClaimed.self, CouponEvent.self, WalletEvent.self,
        MemberLapsing.self, JourneyStepEvent.self, MemberErased.self, WebhookTest.self,
    ]
}
