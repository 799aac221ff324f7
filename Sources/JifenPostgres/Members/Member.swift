import Foundation
import JifenCore

/// A member as stored.
public struct Member: Sendable, Hashable {
    public var id: UUID
    public var externalID: ExternalID
    public var profile: MemberProfile
    public var balance: Balance
    public var stats: MemberStats
    public var tier: MemberTier
    /// The code the member shares; `POST /v1/referrals` attributes its friends by it.
    public var referralCode: String
    /// When its personal data was erased: `externalID` is then the token that replaced it.
    public var erasedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// What the workers keep current about a member's orders (for segments): paid orders net of
/// refunds, in the program's currency.
public struct MemberStats: Sendable, Hashable {
    /// Paid orders not fully refunded.
    public var orderCount: Int
    /// Paid minus refunded, in minor units.
    public var totalSpend: Int64
    public var firstOrderAt: Date?
    public var lastOrderAt: Date?
    /// When `member.lapsed` was last sent.
    public var lapsedAt: Date?

    /// Spend per order, rounded down; 0 without orders.
    public var averageOrderValue: Int64 { orderCount > 0 ? totalSpend / Int64(orderCount) : 0 }

    /// Whole days since the last order; `nil` without one.
    public func daysSinceLastOrder(now: Date = Date()) -> Int64? {
        lastOrderAt.map { Int64(max(0, now.timeIntervalSince($0)) / 86_400) }
    }

    /// Lapsed since its last order (a newer order ends the lapse).
    public var isLapsed: Bool {
        guard let lapsedAt else { return false }
        return lastOrderAt.map { lapsedAt >= $0 } ?? true
    }
}

/// The member's tier as stored: `code` nil is the base level.
public struct MemberTier: Sendable, Hashable {
    public var code: String?
    public var since: Date?
    public var belowSince: Date?
}
