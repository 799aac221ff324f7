/// The two kinds of money in a member's wallet (储值). They are kept apart because a refund
/// treats them differently: principal is the member's own money and goes back to them; bonus
/// is the shop's gift and never turns into cash.
public enum WalletPart: String, Sendable, Hashable, Codable, CaseIterable {
    /// What the member paid in.
    case principal
    /// What the shop added on top (a top-up offer's bonus).
    case bonus
}

/// Which part of the wallet a payment draws on first.
public enum SpendingOrder: String, Sendable, Hashable, Codable, CaseIterable {
    /// Bonus, then principal: the default, because it leaves the member the most refundable
    /// money and uses up the bonus before it expires.
    case bonusFirst = "bonus_first"
    /// Principal, then bonus.
    case principalFirst = "principal_first"
    /// Both at once, in proportion to what each part holds; principal takes the rounding
    /// remainder.
    case proportional
}
