import Foundation
import JifenCore

/// A member's claim of a reward: the points it cost were spent through `redemption`
/// (captured), and `quantity` units were taken from the reward's stock.
public struct RewardClaim: Sendable, Hashable {
    public var id: UUID
    public var reward: UUID
    public var rewardExternalID: String?
    public var rewardName: String
    public var member: String
    public var quantity: Int
    public var points: Int64
    public var redemption: UUID
    /// The codes of the coupons it issued (a reward of type coupon).
    public var coupons: [String]
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}
