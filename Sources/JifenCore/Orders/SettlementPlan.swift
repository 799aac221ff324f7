import Foundation

/// What bringing an order's points in line with its state must do, decided from the facts the
/// store read under the order's lock; the store carries the steps out, in this order
/// (docs/architecture.md, "A paid order"). Every "if" of settling an order lives here, so a
/// rule change is a change to this file and its table in `SettlementPlanTests`.
public struct SettlementPlan: Sendable, Hashable {
    /// A staged bonus paid for by this order ("top up 200, get 200 back") stops.
    public var cancelSchedules = false
    /// Score the order now: it is paid and has no earn entry.
    public var award = false
    /// After an award with nothing to take back: the member's statistics grow by this order
    /// (in the award's own statement), then its tier and pending referral are looked at.
    public var growByAward = false
    /// Refunds or a cancellation lowered the member's spend: recompute its statistics and tier
    /// from its orders.
    public var recomputeGrowth = false
    /// Apply the refunds not applied yet, each taking back its share of what the order earned.
    public var applyRefunds = false
    /// Take back whatever the order still holds: it was cancelled or fully refunded.
    public var reverseRest = false

    public init() {}

    public static func plan(status: OrderStatus, scored: Bool, hasRefunds: Bool) -> SettlementPlan {
        var plan = SettlementPlan()
        let ended = status == .cancelled || status == .refunded
        plan.cancelSchedules = ended || hasRefunds
        if !scored {
            // Only an order that is paid now earns: one cancelled or fully refunded before it
            // was scored would earn and lose the same points.
            guard status == .paid else { return plan }
            plan.award = true
        }
        if !ended && !hasRefunds {
            plan.growByAward = plan.award
            return plan
        }
        plan.recomputeGrowth = true
        plan.applyRefunds = true
        plan.reverseRest = ended
        return plan
    }
}

/// When an order's points arrive, once the earning rules have said how many.
public struct AwardTiming: Sendable, Hashable {
    /// The lot's earn date: the payment, or now for an order recorded without one.
    public var earnedAt: Date
    /// When its spend starts to count for tiers (and its points become available): the payment
    /// plus the program's return window, points or not.
    public var qualifiesAt: Date
    /// The points wait for the return window to pass.
    public var pending: Bool

    public init(paidAt: Date?, now: Date, program: Program) {
        earnedAt = paidAt ?? now
        qualifiesAt = program.availableAt(earnedAt: earnedAt, pendingDays: program.pendingDays)
        pending = qualifiesAt > now
    }
}

/// How a newly scored order changes its member's statistics (`order_count`, `total_spend`,
/// first and last order), which segments read. The full recount (after refunds) counts the
/// same orders: scored ones, in the program's currency if it has one.
public struct GrowthDelta: Sendable, Hashable {
    public var orders: Int
    public var spend: Int64
    /// Whether the order's placing dates the member's first and last order (every order in the
    /// program's currency does, even one of no amount).
    public var dates: Bool

    public init(orders: Int, spend: Int64, dates: Bool) {
        (self.orders, self.spend, self.dates) = (orders, spend, dates)
    }

    public init(scoring amount: Money, program: Program) {
        if !program.earns(in: amount.currency) {
            (orders, spend, dates) = (0, 0, false)
        } else {
            (orders, spend, dates) = (amount.minorUnits > 0 ? 1 : 0, amount.minorUnits, true)
        }
    }
}

extension Clawback {
    /// Points a clawback wanted but found spent: owed (a debt the member's next points repay)
    /// or forgiven, by the clawback policy of the program version the order earned under.
    public static func shortfall(_ missing: Int64, policy: ClawbackPolicy) -> (debt: Int64, forgiven: Int64) {
        guard missing > 0 else { return (0, 0) }
        return policy == .allowNegative ? (missing, 0) : (0, missing)
    }
}
