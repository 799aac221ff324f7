/// Referral rewards and the fraud rules around them. Rewards are paid when the referee's first
/// qualifying order's points become available (past the return window), so a refunded first
/// order rewards no one.
public struct ReferralRules: Sendable, Hashable, Codable {
    /// Points for the referrer.
    public var referrerPoints: Int64
    /// Points for the referee (0: none).
    public var refereePoints: Int64
    /// At most this many rewarded referrals per referrer per calendar month (program time
    /// zone); more are rejected `referrer_monthly_limit`. `nil`: no limit.
    public var maxRewardsPerMonth: Int64?
    /// At most this many referrals from one IP address within 24 hours (when the shop sends the
    /// `ip`); more are rejected `same_ip_limit`. `nil`: no limit.
    public var maxPerIPPerDay: Int64?

    public init(
        referrerPoints: Int64,
        refereePoints: Int64 = 0,
        maxRewardsPerMonth: Int64? = nil,
        maxPerIPPerDay: Int64? = nil
    ) {
        self.referrerPoints = referrerPoints
        self.refereePoints = refereePoints
        self.maxRewardsPerMonth = maxRewardsPerMonth
        self.maxPerIPPerDay = maxPerIPPerDay
    }

    enum CodingKeys: String, CodingKey {
        case referrerPoints = "referrer_points"
        case refereePoints = "referee_points"
        case maxRewardsPerMonth = "max_rewards_per_month"
        case maxPerIPPerDay = "max_per_ip_per_day"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        referrerPoints = try container.decode(Int64.self, forKey: .referrerPoints)
        refereePoints = try container.decodeIfPresent(Int64.self, forKey: .refereePoints) ?? 0
        maxRewardsPerMonth = try container.decodeIfPresent(Int64.self, forKey: .maxRewardsPerMonth)
        maxPerIPPerDay = try container.decodeIfPresent(Int64.self, forKey: .maxPerIPPerDay)
    }

    func validate(into v: inout Validator) {
        if !(0...1_000_000_000).contains(referrerPoints) {
            v.fail("referrals.referrer_points", "must be between 0 and 1000000000")
        }
        if !(0...1_000_000_000).contains(refereePoints) {
            v.fail("referrals.referee_points", "must be between 0 and 1000000000")
        }
        if let limit = maxRewardsPerMonth, !(0...100_000).contains(limit) {
            v.fail("referrals.max_rewards_per_month", "must be between 0 and 100000")
        }
        if let limit = maxPerIPPerDay, !(1...100_000).contains(limit) {
            v.fail("referrals.max_per_ip_per_day", "must be between 1 and 100000")
        }
    }
}

/// Why a referral was rejected: stable codes for the shop's reports.
public enum ReferralRejection: String, Sendable, Hashable {
    /// The referee is the referrer, or shares its email or phone.
    case selfReferral = "self_referral"
    /// The referee had ordered before it was referred.
    case alreadyCustomer = "already_customer"
    /// The referrer already had `max_rewards_per_month` referrals rewarded this month.
    case referrerMonthlyLimit = "referrer_monthly_limit"
    /// Too many referrals from the same IP address within 24 hours.
    case sameIPLimit = "same_ip_limit"
}
