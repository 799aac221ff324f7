/// On the referrer's stream: its referee's first qualifying order counted, the referrer got
/// `points` (the referee `refereePoints`); `available` and `pending` are the referrer's balance
/// just after.
public struct ReferralRewarded: MemberStreamEvent, Equatable {
    public static let types = ["referral.rewarded"]
    public var type: String { "referral.rewarded" }

    public var referral: String
    public var referee: String
    public var points: Int64
    public var refereePoints: Int64
    public var available: Int64
    public var pending: Int64

    public init(
        referral: String,
        referee: String,
        points: Int64,
        refereePoints: Int64,
        available: Int64,
        pending: Int64
    ) {
        self.referral = referral
        self.referee = referee
        self.points = points
        self.refereePoints = refereePoints
        self.available = available
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case referral, referee, points, available, pending
        case refereePoints = "referee_points"
    }
}

/// On the referrer's stream: a referral was rejected by the rule `reason`.
public struct ReferralRejected: MemberStreamEvent, Equatable {
    public static let types = ["referral.rejected"]
    public var type: String { "referral.rejected" }

    public var referral: String
    public var referee: String
    public var reason: ReferralRejection

    public init(referral: String, referee: String, reason: ReferralRejection) {
        self.referral = referral
        self.referee = referee
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case referral, referee, reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referral, forKey: .referral)
        try container.encode(referee, forKey: .referee)
        try container.encode(reason.rawValue, forKey: .reason)
    }
}
