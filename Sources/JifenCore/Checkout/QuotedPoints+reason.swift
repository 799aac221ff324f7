extension QuotedPoints {
    /// Why fewer points apply than were requested: the values of ``QuotedPoints/reason``.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The order's currency is not the program's: points pay only in the program's.
        case currencyMismatch = "currency_mismatch"
        /// An applied coupon does not stack with points.
        case notStackable = "not_stackable"
        /// The program's points are worth nothing (a redemption amount of 0).
        case noValue = "no_value"
        /// Fewer points requested than the program's minimum redemption.
        case belowMinimum = "below_minimum"
        /// The member's available points are the limit.
        case insufficientPoints = "insufficient_points"
        /// The share of the order that points may pay is the limit.
        case maxOrderShare = "max_order_share"
    }
}
