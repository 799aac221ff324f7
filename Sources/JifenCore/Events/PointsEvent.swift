import Foundation

/// A change to a member's points: the `points.*` events the spec gives one schema
/// (`PointsEventData`). `points` is what moved, `available` and `pending` the balance just after;
/// the optional fields say where the points came from and are absent when not set.
public struct PointsEvent: MemberStreamEvent, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case pending = "points.pending"
        case earned = "points.earned"
        case released = "points.released"
        case redeemed = "points.redeemed"
        case reversed = "points.reversed"
        case adjusted = "points.adjusted"
        case expired = "points.expired"
    }

    public static let types = Kind.allCases.map(\.rawValue)
    public var type: String { kind.rawValue }

    public var kind: Kind
    public var points: Int64
    public var available: Int64
    public var pending: Int64
    public var order: String?
    public var programVersion: Int?
    /// `points.pending` of an order: when they become spendable.
    public var availableAt: Date?
    public var activity: String?
    public var checkInStreak: Int64?
    /// `points.reversed`: `refund` or `cancel`.
    public var source: String?
    /// `points.reversed`: the shop's refund id.
    public var refund: String?
    public var redemption: String?
    public var orderReference: String?
    public var rewardClaim: String?
    public var reasonCode: String?
    /// `points.adjusted` by a campaign grant: the campaign's id. Sent since grants existed, but
    /// not in the spec's `PointsEventData` (see `WebhookEventSchemaTests`).
    public var campaign: String?

    public init(
        _ kind: Kind,
        points: Int64,
        available: Int64,
        pending: Int64,
        order: String? = nil,
        programVersion: Int? = nil,
        availableAt: Date? = nil,
        activity: String? = nil,
        checkInStreak: Int64? = nil,
        source: String? = nil,
        refund: String? = nil,
        redemption: String? = nil,
        orderReference: String? = nil,
        rewardClaim: String? = nil,
        reasonCode: String? = nil,
        campaign: String? = nil
    ) {
        self.kind = kind
        self.points = points
        self.available = available
        self.pending = pending
        self.order = order
        self.programVersion = programVersion
        self.availableAt = availableAt
        self.activity = activity
        self.checkInStreak = checkInStreak
        self.source = source
        self.refund = refund
        self.redemption = redemption
        self.orderReference = orderReference
        self.rewardClaim = rewardClaim
        self.reasonCode = reasonCode
        self.campaign = campaign
    }

    enum CodingKeys: String, CodingKey {
        case points, available, pending, order, activity, source, refund, redemption, campaign
        case programVersion = "program_version"
        case availableAt = "available_at"
        case checkInStreak = "check_in_streak"
        case orderReference = "order_reference"
        case rewardClaim = "reward_claim"
        case reasonCode = "reason_code"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(points, forKey: .points)
        try container.encode(available, forKey: .available)
        try container.encode(pending, forKey: .pending)
        try container.encodeIfPresent(order, forKey: .order)
        try container.encodeIfPresent(programVersion, forKey: .programVersion)
        try container.encodeIfPresent(availableAt.map(EventTime.text), forKey: .availableAt)
        try container.encodeIfPresent(activity, forKey: .activity)
        try container.encodeIfPresent(checkInStreak, forKey: .checkInStreak)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encodeIfPresent(refund, forKey: .refund)
        try container.encodeIfPresent(redemption, forKey: .redemption)
        try container.encodeIfPresent(orderReference, forKey: .orderReference)
        try container.encodeIfPresent(rewardClaim, forKey: .rewardClaim)
        try container.encodeIfPresent(reasonCode, forKey: .reasonCode)
        try container.encodeIfPresent(campaign, forKey: .campaign)
    }
}
