/// How an order becomes points: the rate, what is excluded or multiplied, bonuses and caps.
///
/// Every quantity is an integer: money in minor units, multipliers in percent. The exact
/// fraction is computed in 128-bit integers and rounded once, so no rule loses points to an
/// early division.
public struct EarningRules: Sendable, Hashable, Codable {
    /// Points per `per` whole units of the currency: `{points: 1, per: 1}` is 1 point per yuan,
    /// `{points: 1, per: 10}` 1 per 10 yuan.
    public struct Rate: Sendable, Hashable, Codable {
        public var points: Int64
        public var per: Int64

        public init(points: Int64 = 1, per: Int64 = 1) {
            self.points = points
            self.per = per
        }
    }

    /// Earn `percent` % of the normal points on lines matching `sku` or `category` (200 =
    /// double). A SKU rule beats a category rule.
    public struct Multiplier: Sendable, Hashable, Codable {
        public var sku: String?
        public var category: String?
        public var percent: Int64

        public init(sku: String? = nil, category: String? = nil, percent: Int64) {
            self.sku = sku
            self.category = category
            self.percent = percent
        }
    }

    public var rate: Rate
    public var rounding: Rounding
    /// Orders below this amount (minor units) earn nothing, not even the first-order bonus.
    public var minimumOrderAmount: Int64
    /// Line categories that earn nothing: shipping, gift cards, deposits.
    public var excludedCategories: [String]
    public var multipliers: [Multiplier]
    /// Added to the member's first order that earns, before caps.
    public var firstOrderBonus: Int64
    public var maxPointsPerOrder: Int64?
    /// Across the member's orders paid on the same calendar day in the program's time zone.
    public var maxPointsPerMemberPerDay: Int64?

    public init(
        rate: Rate = Rate(),
        rounding: Rounding = .floor,
        minimumOrderAmount: Int64 = 0,
        excludedCategories: [String] = [],
        multipliers: [Multiplier] = [],
        firstOrderBonus: Int64 = 0,
        maxPointsPerOrder: Int64? = nil,
        maxPointsPerMemberPerDay: Int64? = nil
    ) {
        self.rate = rate
        self.rounding = rounding
        self.minimumOrderAmount = minimumOrderAmount
        self.excludedCategories = excludedCategories
        self.multipliers = multipliers
        self.firstOrderBonus = firstOrderBonus
        self.maxPointsPerOrder = maxPointsPerOrder
        self.maxPointsPerMemberPerDay = maxPointsPerMemberPerDay
    }

    enum CodingKeys: String, CodingKey {
        case rate, rounding, multipliers
        case minimumOrderAmount = "minimum_order_amount"
        case excludedCategories = "excluded_categories"
        case firstOrderBonus = "first_order_bonus"
        case maxPointsPerOrder = "max_points_per_order"
        case maxPointsPerMemberPerDay = "max_points_per_member_per_day"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EarningRules()
        rate = try container.decodeIfPresent(Rate.self, forKey: .rate) ?? defaults.rate
        rounding = try container.decodeIfPresent(Rounding.self, forKey: .rounding) ?? defaults.rounding
        minimumOrderAmount = try container.decodeIfPresent(Int64.self, forKey: .minimumOrderAmount) ?? 0
        excludedCategories = try container.decodeIfPresent([String].self, forKey: .excludedCategories) ?? []
        multipliers = try container.decodeIfPresent([Multiplier].self, forKey: .multipliers) ?? []
        firstOrderBonus = try container.decodeIfPresent(Int64.self, forKey: .firstOrderBonus) ?? 0
        maxPointsPerOrder = try container.decodeIfPresent(Int64.self, forKey: .maxPointsPerOrder)
        maxPointsPerMemberPerDay = try container.decodeIfPresent(Int64.self, forKey: .maxPointsPerMemberPerDay)
    }

    /// The percentage a line earns at: 0 if its category is excluded, else its multiplier.
    public func percent(for line: OrderLine) -> Int64 {
        if let category = line.category, excludedCategories.contains(category) { return 0 }
        if let rule = multipliers.first(where: { $0.sku != nil && $0.sku == line.sku }) { return rule.percent }
        if let category = line.category,
            let rule = multipliers.first(where: { $0.sku == nil && $0.category == category })
        {
            return rule.percent
        }
        return 100
    }

    /// The lines' amount weighted by what each earns, in minor units × percent: the measure both
    /// earning and line refunds are proportional to.
    public func weight(of lines: [OrderLine]) -> Int128 {
        lines.reduce(Int128(0)) { sum, line in
            sum + Int128(line.quantity) * Int128(line.unitAmount) * Int128(percent(for: line))
        }
    }

    /// The weight with campaign multipliers, × 100 (the caller divides): each line scaled by
    /// the largest campaign running on it (overlapping campaigns do not stack). Saturates
    /// instead of trapping on hostile sizes, like the rest of earning.
    func weightTimes100(of lines: [OrderLine], campaigns context: EarningContext) -> Int128 {
        lines.reduce(Int128(0)) { sum, line in
            let factors = [
                Int128(line.quantity), Int128(line.unitAmount), Int128(percent(for: line)),
                Int128(context.campaignPercent(for: line.category, wholeOrderOnly: false)),
            ]
            var term = Int128(1)
            for factor in factors {
                let (product, overflow) = term.multipliedReportingOverflow(by: factor)
                term = overflow ? .max : product
            }
            let (total, overflow) = sum.addingReportingOverflow(term)
            return overflow ? .max : total
        }
    }

    /// The points `order` earns. Pure: everything it depends on is in its arguments.
    ///
    /// Points are earned on what the customer paid (`amount`). Lines say how it splits: each
    /// line's share of `amount` is its share of the lines' total, so an order-level discount,
    /// unitemised tax or shipping spread pro rata; excluded categories earn nothing of their
    /// share and multipliers scale theirs. Without lines, all of `amount` earns at the rate.
    /// Then the tier multiplier, then the first-order bonus, then the caps.
    public func award(for order: EarningInput, context: EarningContext = EarningContext()) -> EarningAward {
        if order.amount < minimumOrderAmount {
            return EarningAward(base: 0, bonus: 0, points: 0, reason: .belowMinimumOrderAmount)
        }
        var fraction: Fraction
        if order.lines.isEmpty {
            fraction = Fraction(
                Int128(order.amount) * 100,
                Int128(rate.per) * Int128(order.minorUnitsPerMajor) * 100 * 100
            )
            // Only campaigns on the whole order: an order without lines has no categories.
            let campaign = context.campaignPercent(for: nil, wholeOrderOnly: true)
            if campaign != 100 {
                fraction.multiply(by: Int128(campaign))
                fraction.divide(by: 100)
            }
        } else {
            if context.campaigns.isEmpty {
                fraction = Fraction(
                    weight(of: order.lines),
                    Int128(rate.per) * Int128(order.minorUnitsPerMajor) * 100 * 100
                )
            } else {
                fraction = Fraction(
                    weightTimes100(of: order.lines, campaigns: context),
                    Int128(rate.per) * Int128(order.minorUnitsPerMajor) * 100 * 100
                )
                fraction.divide(by: 100)
            }
            let linesTotal = order.lines.reduce(Int128(0)) { $0 + Int128($1.quantity) * Int128($1.unitAmount) }
            if linesTotal > 0 {
                fraction.multiply(by: Int128(order.amount))
                fraction.divide(by: linesTotal)
            } else {
                fraction = Fraction(0, 1)
            }
        }
        fraction.multiply(by: Int128(rate.points))
        fraction.multiply(by: Int128(context.tierMultiplierPercent))
        let base =
            fraction.denominator > 0
            ? Int64(clamping: rounding.divide(fraction.numerator, by: fraction.denominator)) : 0
        let bonus = context.isFirstOrder ? firstOrderBonus : 0
        var points = base.addingReportingOverflow(bonus).overflow ? Int64.max : base + bonus
        var reason: EarningAward.Reason?
        if let cap = maxPointsPerOrder, points > cap {
            points = cap
            reason = .cappedPerOrder
        }
        if let cap = maxPointsPerMemberPerDay {
            let left = max(0, cap - context.earnedToday)
            if points > left {
                points = left
                reason = .cappedPerMemberPerDay
            }
        }
        return EarningAward(base: base, bonus: bonus, points: points, reason: reason)
    }
}

/// What earning looks at in an order.
public struct EarningInput: Sendable, Hashable {
    /// What the customer paid, in minor units.
    public var amount: Int64
    public var minorUnitsPerMajor: Int64
    public var lines: [OrderLine]

    public init(amount: Int64, minorUnitsPerMajor: Int64, lines: [OrderLine] = []) {
        self.amount = amount
        self.minorUnitsPerMajor = minorUnitsPerMajor
        self.lines = lines
    }

    public init(_ money: Money, lines: [OrderLine] = []) {
        self.init(amount: money.minorUnits, minorUnitsPerMajor: money.currency.minorUnitsPerMajor, lines: lines)
    }
}

/// What earning needs to know about the member, read by the store under the member's lock.
public struct EarningContext: Sendable, Hashable {
    /// No other order of the member has earned yet.
    public var isFirstOrder: Bool
    /// Points the member's orders already earned on the order's local day.
    public var earnedToday: Int64
    /// The member's tier's earn multiplier. 100 = none.
    public var tierMultiplierPercent: Int64
    /// Multiplier campaigns running when the order was paid; several multiply.
    public var campaigns: [CampaignMultiplier]

    public init(
        isFirstOrder: Bool = false,
        earnedToday: Int64 = 0,
        tierMultiplierPercent: Int64 = 100,
        campaigns: [CampaignMultiplier] = []
    ) {
        self.isFirstOrder = isFirstOrder
        self.earnedToday = earnedToday
        self.tierMultiplierPercent = tierMultiplierPercent
        self.campaigns = campaigns
    }

    /// The multiplier on a line of `category`: the largest of the campaigns on the whole order
    /// or on that category; 100 without one. An order without lines has no categories, so only
    /// whole-order campaigns apply to it.
    func campaignPercent(for category: String?, wholeOrderOnly: Bool) -> Int64 {
        campaigns.filter { $0.category == nil || (!wholeOrderOnly && $0.category == category) }
            .map(\.percent).max() ?? 100
    }
}

/// "×2 points this weekend" (on one category, or on the whole order): a campaign running when
/// an order was paid.
public struct CampaignMultiplier: Sendable, Hashable {
    /// 200 = ×2.
    public var percent: Int64
    /// Only lines of this category; `nil`: the whole order.
    public var category: String?

    public init(percent: Int64, category: String? = nil) {
        self.percent = percent
        self.category = category
    }
}

/// The points an order earns, and why they are fewer than the rate alone says.
public struct EarningAward: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        case belowMinimumOrderAmount = "below_minimum_order_amount"
        case cappedPerOrder = "capped_per_order"
        case cappedPerMemberPerDay = "capped_per_member_per_day"
        case currencyMismatch = "currency_mismatch"
    }

    /// From the rate, multipliers and tier.
    public var base: Int64
    /// The first-order bonus, if this was the first order.
    public var bonus: Int64
    /// What is awarded: base + bonus, capped.
    public var points: Int64
    public var reason: Reason?

    public init(base: Int64, bonus: Int64, points: Int64, reason: Reason? = nil) {
        self.base = base
        self.bonus = bonus
        self.points = points
        self.reason = reason
    }

    /// An order in another currency than the program's: nothing (``Program/earns(in:)``).
    public static let currencyMismatch = EarningAward(base: 0, bonus: 0, points: 0, reason: .currencyMismatch)
}

/// An exact non-negative fraction in 128-bit integers. Real orders never come near the limit;
/// a hostile one (every field at its maximum) would overflow, so a step that would overflow
/// first halves both terms until it fits: the result stays right to far below one point.
struct Fraction {
    var numerator: Int128
    var denominator: Int128

    init(_ numerator: Int128, _ denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    mutating func multiply(by factor: Int128) {
        while numerator.multipliedReportingOverflow(by: factor).overflow {
            guard denominator > 1 << 32 else {
                numerator = .max / max(factor, 1)
                break
            }
            numerator >>= 1
            denominator >>= 1
        }
        numerator *= factor
    }

    mutating func divide(by divisor: Int128) {
        while denominator.multipliedReportingOverflow(by: divisor).overflow {
            numerator >>= 1
            denominator >>= 1
        }
        denominator *= divisor
    }
}
