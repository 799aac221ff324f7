/// A member claimed `quantity` of a reward for `points`, spent by the captured `redemption`.
public struct RewardClaimed: MemberStreamEvent, Equatable {
    public static let types = ["reward.claimed"]
    public var type: String { "reward.claimed" }

    public var claim: String
    public var reward: String
    public var rewardExternalID: String?
    public var rewardName: String
    public var quantity: Int64
    public var points: Int64
    public var available: Int64
    public var pending: Int64
    public var redemption: String

    public init(
        claim: String,
        reward: String,
        rewardExternalID: String?,
        rewardName: String,
        quantity: Int64,
        points: Int64,
        available: Int64,
        pending: Int64,
        redemption: String
    ) {
        self.claim = claim
        self.reward = reward
        self.rewardExternalID = rewardExternalID
        self.rewardName = rewardName
        self.quantity = quantity
        self.points = points
        self.available = available
        self.pending = pending
        self.redemption = redemption
    }

    enum CodingKeys: String, CodingKey {
        case claim, reward, quantity, points, available, pending, redemption
        case rewardExternalID = "reward_external_id"
        case rewardName = "reward_name"
    }
}
