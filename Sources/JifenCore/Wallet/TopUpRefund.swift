/// What refunding a top-up does to the wallet and how much money goes back to the member.
public struct TopUpRefundDecision: Sendable, Hashable {
    /// Money the shop pays back: the unspent principal less ``spentBonusDeducted``; never
    /// negative.
    public var returnedToMember: Int64
    /// Principal taken out of the wallet: all of the top-up's unspent principal.
    public var principalRemoved: Int64
    /// The top-up's unspent bonus taken out of the wallet: all of it.
    public var bonusRemoved: Int64
    /// Spent bonus kept back from the refund: under `deduct_spent_bonus`, as much of it as the
    /// unspent principal covers; under `forgive`, nothing.
    public var spentBonusDeducted: Int64
    /// Spent bonus the shop lets go: the rest of it.
    public var spentBonusForgiven: Int64

    public init(
        returnedToMember: Int64,
        principalRemoved: Int64,
        bonusRemoved: Int64,
        spentBonusDeducted: Int64,
        spentBonusForgiven: Int64
    ) {
        self.returnedToMember = returnedToMember
        self.principalRemoved = principalRemoved
        self.bonusRemoved = bonusRemoved
        self.spentBonusDeducted = spentBonusDeducted
        self.spentBonusForgiven = spentBonusForgiven
    }
}

/// The refund of a top-up. The caller stops the offer's unpaid installments; this decides the
/// money.
public enum TopUpRefund {
    /// Decides the refund of a top-up.
    ///
    /// - Parameters:
    ///   - principalPaid: the top-up's principal.
    ///   - principalUnspent: of that, what is still in the wallet and not held.
    ///   - bonusPaid: the bonus installments paid so far. Bonus that expired (paid − spent −
    ///     unspent) is already gone and counts for neither side, so only `bonusSpent` and
    ///     `bonusUnspent` move money.
    ///   - bonusSpent: of the paid bonus, what the member spent.
    ///   - bonusUnspent: of the paid bonus, what is still in the wallet (not held, not expired).
    ///   - policy: the program's ``TopUpRefundPolicy``.
    ///
    /// Rules: all unspent principal and unspent bonus leave the wallet. The member gets the
    /// unspent principal back, less the spent bonus under `deduct_spent_bonus` — but never
    /// less than nothing: spent bonus beyond the unspent principal is forgiven, so a refund
    /// never leaves the member owing money. Spent principal is not returned (it paid for
    /// orders, which have their own refunds). Invariants: `returnedToMember ==
    /// principalUnspent − spentBonusDeducted ≥ 0` and `spentBonusDeducted + spentBonusForgiven
    /// == bonusSpent`. Negative inputs count as 0.
    public static func decide(
        principalPaid: Int64,
        principalUnspent: Int64,
        bonusPaid: Int64,
        bonusSpent: Int64,
        bonusUnspent: Int64,
        policy: TopUpRefundPolicy
    ) -> TopUpRefundDecision {
        let principalUnspent = max(0, principalUnspent)
        let bonusSpent = max(0, bonusSpent)
        let bonusUnspent = max(0, bonusUnspent)
        let deducted =
            switch policy {
            case .deductSpentBonus: min(bonusSpent, principalUnspent)
            case .forgive: Int64(0)
            }
        // Both differences are of non-negative values with the smaller subtracted: no overflow.
        return TopUpRefundDecision(
            returnedToMember: principalUnspent - deducted,
            principalRemoved: principalUnspent,
            bonusRemoved: bonusUnspent,
            spentBonusDeducted: deducted,
            spentBonusForgiven: bonusSpent - deducted
        )
    }
}
