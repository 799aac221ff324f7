/// Points for something other than an order: a sign-up, a review, a photo review, a share, a
/// birthday, or any type the shop names.
public struct ActivityRule: Sendable, Hashable, Codable {
    public var type: String
    public var points: Int64
    /// At most this many rewarded per member per calendar day (program time zone).
    public var dailyLimit: Int64?
    /// At most this many rewarded per member, ever.
    public var lifetimeLimit: Int64?
    public var pendingDays: Int64

    public init(
        type: String,
        points: Int64,
        dailyLimit: Int64? = nil,
        lifetimeLimit: Int64? = nil,
        pendingDays: Int64 = 0
    ) {
        self.type = type
        self.points = points
        self.dailyLimit = dailyLimit
        self.lifetimeLimit = lifetimeLimit
        self.pendingDays = pendingDays
    }

    enum CodingKeys: String, CodingKey {
        case type, points
        case dailyLimit = "daily_limit"
        case lifetimeLimit = "lifetime_limit"
        case pendingDays = "pending_days"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        points = try container.decode(Int64.self, forKey: .points)
        dailyLimit = try container.decodeIfPresent(Int64.self, forKey: .dailyLimit)
        lifetimeLimit = try container.decodeIfPresent(Int64.self, forKey: .lifetimeLimit)
        pendingDays = try container.decodeIfPresent(Int64.self, forKey: .pendingDays) ?? 0
    }

    /// Why an activity earned nothing.
    public enum Refusal: String, Sendable, Hashable {
        case dailyLimitReached = "daily_limit_reached"
        case lifetimeLimitReached = "lifetime_limit_reached"
    }

    /// The points for one more activity, given how many the member was already rewarded for
    /// today and ever: the rule's points, or 0 and why.
    public func evaluate(rewardedToday: Int64, rewardedEver: Int64) -> (points: Int64, refusal: Refusal?) {
        if let lifetimeLimit, rewardedEver >= lifetimeLimit { return (0, .lifetimeLimitReached) }
        if let dailyLimit, rewardedToday >= dailyLimit { return (0, .dailyLimitReached) }
        return (points, nil)
    }
}
