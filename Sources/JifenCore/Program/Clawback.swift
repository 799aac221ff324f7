/// How many points a refund takes back: in proportion to what the order actually earned when
/// it was scored, never recomputed with today's rules.
///
/// The proportion is the refunded share of the order: by amount, or — when the refund names
/// lines — by the lines' earning weight under the program version the award used, so refunding
/// the shipping line takes back nothing. Each refund's share rounds down (in the member's
/// favour), and a refund that brings the refunded total to the whole order takes back
/// everything still unclawed, so partial refunds never leave stray points or take one too many.
public enum Clawback {
    public static func points(
        earned: Int64,
        alreadyClawedBack: Int64,
        share: Share,
        completesOrder: Bool
    ) -> Int64 {
        let left = max(0, earned - alreadyClawedBack)
        if completesOrder { return left }
        guard share.denominator > 0, share.numerator > 0 else { return 0 }
        let numerator = min(share.numerator, share.denominator)
        let proportional = Int64(clamping: Rounding.floor.divide(Int128(earned) * numerator, by: share.denominator))
        return min(left, proportional)
    }

    /// A fraction of an order: refunded amount over order amount, or refunded lines' weight
    /// over all lines' weight.
    public struct Share: Sendable, Hashable {
        public var numerator: Int128
        public var denominator: Int128

        public init(_ numerator: Int128, of denominator: Int128) {
            self.numerator = numerator
            self.denominator = denominator
        }

        public init(amount: Int64, of total: Int64) { self.init(Int128(amount), of: Int128(total)) }
    }
}
