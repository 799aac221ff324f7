import Testing

@testable import JifenCore

/// Table tests of `EarningRules.award(for:context:)`.
///
/// Every expected value is worked out by hand in the case's comment. Without lines the award is
///
///     amount × rate.points × tier% / (rate.per × minorUnitsPerMajor × 100)
///
/// and with lines it is
///
///     Σ(quantity × unitAmount × line%) × rate.points × tier% / (rate.per × minorUnitsPerMajor × 100 × 100)
///
/// times `amount / Σ(quantity × unitAmount)` when the lines add up to more than the amount, rounded
/// once at the end. Amounts are in minor units: CNY has 100 per yuan unless a case says otherwise.
@Suite struct EarningRulesTests {
    /// One row of an earning table.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rules = EarningRules()
        var amount: Int64
        var minorUnitsPerMajor: Int64 = 100
        var lines: [OrderLine] = []
        var context = EarningContext()
        /// The expected award.
        var points: Int64
        /// The expected base, when it differs from `points`.
        var base: Int64?
        var bonus: Int64 = 0
        var reason: EarningAward.Reason?

        var testDescription: String { name }

        func check() {
            let award = rules.award(
                for: EarningInput(amount: amount, minorUnitsPerMajor: minorUnitsPerMajor, lines: lines),
                context: context
            )
            #expect(award.points == points, "points")
            #expect(award.base == (base ?? points), "base")
            #expect(award.bonus == bonus, "bonus")
            #expect(award.reason == reason, "reason")
        }
    }

    static func line(_ sku: String, _ category: String?, _ quantity: Int64, _ unitAmount: Int64) -> OrderLine {
        OrderLine(sku: sku, category: category, quantity: quantity, unitAmount: unitAmount)
    }

    static func line(_ sku: String, _ category: String, _ unitAmount: Int64) -> OrderLine {
        line(sku, category, 1, unitAmount)
    }

    static func line(_ sku: String, _ quantity: Int64, _ unitAmount: Int64) -> OrderLine {
        line(sku, nil, quantity, unitAmount)
    }

    static func line(_ sku: String, _ unitAmount: Int64) -> OrderLine { line(sku, nil, 1, unitAmount) }

    static let promoDouble = EarningRules.Multiplier(category: "promo", percent: 200)

    // MARK: Rounding

    static let roundingCases: [Case] = [
        // 25 999 fen = 259.99 yuan → 259.99 points → floor 259.
        Case(name: "floor drops the fraction", rules: EarningRules(rounding: .floor), amount: 25_999, points: 259),
        // 259.00 yuan → exactly 259.
        Case(name: "floor keeps an exact amount", rules: EarningRules(rounding: .floor), amount: 25_900, points: 259),
        // 259.50 → 259.5 → floor 259.
        Case(name: "floor drops an exact half", rules: EarningRules(rounding: .floor), amount: 25_950, points: 259),
        // 259.49 → nearest 259.
        Case(
            name: "nearest rounds below half down",
            rules: EarningRules(rounding: .nearest),
            amount: 25_949,
            points: 259
        ),
        // 259.50 → halves up → 260.
        Case(
            name: "nearest rounds an exact half up",
            rules: EarningRules(rounding: .nearest),
            amount: 25_950,
            points: 260
        ),
        // 259.51 → nearest 260.
        Case(
            name: "nearest rounds above half up",
            rules: EarningRules(rounding: .nearest),
            amount: 25_951,
            points: 260
        ),
        // 0.49 yuan → 0.49 → nearest 0.
        Case(name: "nearest rounds 0.49 to zero", rules: EarningRules(rounding: .nearest), amount: 49, points: 0),
        // 0.50 yuan → 0.5 → halves up → 1.
        Case(name: "nearest rounds 0.5 up to one", rules: EarningRules(rounding: .nearest), amount: 50, points: 1),
        // 259.01 → ceiling 260.
        Case(
            name: "ceiling rounds any fraction up",
            rules: EarningRules(rounding: .ceiling),
            amount: 25_901,
            points: 260
        ),
        // 259.00 → exactly 259, nothing to round.
        Case(
            name: "ceiling keeps an exact amount",
            rules: EarningRules(rounding: .ceiling),
            amount: 25_900,
            points: 259
        ),
        // 259.50 → ceiling 260.
        Case(
            name: "ceiling rounds an exact half up",
            rules: EarningRules(rounding: .ceiling),
            amount: 25_950,
            points: 260
        ),
        // 1 fen = 0.01 → ceiling 1.
        Case(
            name: "ceiling rounds one fen up to a point",
            rules: EarningRules(rounding: .ceiling),
            amount: 1,
            points: 1
        ),
        // Line A: 1.00 yuan at 150 % = 1.5; line B: 1.50 yuan at 100 % = 1.5; sum 3.0 → 3.
        // Rounding each line first would give 1 + 1 = 2.
        Case(
            name: "rounds once on the sum of the lines, not per line",
            rules: EarningRules(rounding: .floor, multipliers: [.init(sku: "A", percent: 150)]),
            amount: 250,
            lines: [line("A", 100), line("B", 150)],
            points: 3
        ),
    ]

    @Test(arguments: roundingCases)
    func rounding(_ c: Case) { c.check() }

    // MARK: Rate

    static let rateCases: [Case] = [
        // 259.99 yuan × 1/1 = 259.99 → 259.
        Case(name: "1 per 1 yuan", amount: 25_999, points: 259),
        // 259.99 / 10 = 25.999 → floor 25.
        Case(
            name: "1 per 10 yuan, floor",
            rules: EarningRules(rate: .init(points: 1, per: 10)),
            amount: 25_999,
            points: 25
        ),
        // 300.00 / 10 = 30 exactly.
        Case(
            name: "1 per 10 yuan, exact",
            rules: EarningRules(rate: .init(points: 1, per: 10)),
            amount: 30_000,
            points: 30
        ),
        // 25.00 / 10 = 2.5 → nearest, halves up → 3.
        Case(
            name: "1 per 10 yuan, nearest, exact half",
            rules: EarningRules(rate: .init(points: 1, per: 10), rounding: .nearest),
            amount: 2_500,
            points: 3
        ),
        // 10.01 / 10 = 1.001 → ceiling 2.
        Case(
            name: "1 per 10 yuan, ceiling",
            rules: EarningRules(rate: .init(points: 1, per: 10), rounding: .ceiling),
            amount: 1_001,
            points: 2
        ),
        // 9.99 / 10 = 0.999 → floor 0.
        Case(
            name: "1 per 10 yuan, under 10 yuan",
            rules: EarningRules(rate: .init(points: 1, per: 10)),
            amount: 999,
            points: 0
        ),
        // 3 × 259.99 = 779.97 → floor 779.
        Case(
            name: "3 per 1 yuan, floor",
            rules: EarningRules(rate: .init(points: 3, per: 1)),
            amount: 25_999,
            points: 779
        ),
        // 3 × 259.99 = 779.97 → nearest 780.
        Case(
            name: "3 per 1 yuan, nearest",
            rules: EarningRules(rate: .init(points: 3, per: 1), rounding: .nearest),
            amount: 25_999,
            points: 780
        ),
        // 3 × 10.00 = 30.
        Case(
            name: "3 per 1 yuan, exact",
            rules: EarningRules(rate: .init(points: 3, per: 1)),
            amount: 1_000,
            points: 30
        ),
        // 0 yuan → 0, and no reason: nothing was capped.
        Case(name: "zero amount earns zero", amount: 0, points: 0),
        // 0 points per yuan → 0 × 100.00 = 0.
        Case(
            name: "rate of 0 points earns nothing",
            rules: EarningRules(rate: .init(points: 0, per: 1)),
            amount: 10_000,
            points: 0
        ),
    ]

    @Test(arguments: rateCases)
    func rate(_ c: Case) { c.check() }

    // MARK: Minimum, exclusions, multipliers, lines

    static let lineCases: [Case] = [
        // 99.99 < 100.00: nothing, not even the 50-point first-order bonus.
        Case(
            name: "below the minimum earns nothing, not even the first-order bonus",
            rules: EarningRules(minimumOrderAmount: 10_000, firstOrderBonus: 50),
            amount: 9_999,
            context: EarningContext(isFirstOrder: true),
            points: 0,
            reason: .belowMinimumOrderAmount
        ),
        // 100.00 == minimum → earns 100.
        Case(
            name: "equal to the minimum earns",
            rules: EarningRules(minimumOrderAmount: 10_000),
            amount: 10_000,
            points: 100
        ),
        // 100.01 → 100.01 → floor 100.
        Case(
            name: "above the minimum earns",
            rules: EarningRules(minimumOrderAmount: 10_000),
            amount: 10_001,
            points: 100
        ),
        // Shirt 200.00 at 100 % + shipping 10.00 at 0 % = 200 points; lines total 210.00 = amount.
        Case(
            name: "excluded shipping line earns nothing",
            rules: EarningRules(excludedCategories: ["shipping"]),
            amount: 21_000,
            lines: [line("SHIRT", "apparel", 20_000), line("SHIP", "shipping", 1_000)],
            points: 200
        ),
        // Only a 10.00 shipping line, excluded → 0.
        Case(
            name: "an order of only shipping earns zero",
            rules: EarningRules(excludedCategories: ["shipping"]),
            amount: 1_000,
            lines: [line("SHIP", "shipping", 1_000)],
            points: 0
        ),
        // 2 × 50.00 = 100.00 in "promo" at 200 % → 200.
        Case(
            name: "category multiplier of 200% doubles",
            rules: EarningRules(multipliers: [promoDouble]),
            amount: 10_000,
            lines: [line("MUG", "promo", 2, 5_000)],
            points: 200
        ),
        // A1 (promo) 100.00 at its SKU rule 300 % = 300; B2 (promo) 100.00 at the category's 200 % = 200;
        // total 500. The category rule is listed first, so order does not decide.
        Case(
            name: "SKU multiplier beats category multiplier",
            rules: EarningRules(multipliers: [promoDouble, .init(sku: "A1", percent: 300)]),
            amount: 20_000,
            lines: [line("A1", "promo", 10_000), line("B2", "promo", 10_000)],
            points: 500
        ),
        // GIFT 50.00 at 0 % = 0; TEA 50.00 at 100 % = 50.
        Case(
            name: "0% multiplier excludes the line",
            rules: EarningRules(multipliers: [.init(sku: "GIFT", percent: 0)]),
            amount: 10_000,
            lines: [line("GIFT", 5_000), line("TEA", 5_000)],
            points: 50
        ),
        // EXPRESS is in the excluded "shipping" category: 0 %, whatever its SKU rule says; TEA 100.00 → 100.
        Case(
            name: "excluded category beats a SKU multiplier",
            rules: EarningRules(excludedCategories: ["shipping"], multipliers: [.init(sku: "EXPRESS", percent: 300)]),
            amount: 11_500,
            lines: [line("EXPRESS", "shipping", 1_500), line("TEA", 10_000)],
            points: 100
        ),
        // 3 × 19.99 = 59.97 yuan → 59.97 → floor 59.
        Case(
            name: "quantity multiplies the unit amount",
            amount: 5_997,
            lines: [line("PEN", 3, 1_999)],
            points: 59
        ),
        // Lines 200.00 + 100.00 = 300.00, paid 240.00 (20 % off the order):
        // 300 × 240/300 = 240.
        Case(
            name: "order-level discount scales points down pro rata",
            amount: 24_000,
            lines: [line("SHIRT", 20_000), line("HAT", 10_000)],
            points: 240
        ),
        // Weighted 100.00 × 200 % + 100.00 × 100 % = 300 points on lines of 200.00; paid 150.00:
        // 300 × 150/200 = 225.
        Case(
            name: "discount applies pro rata to multiplied lines",
            rules: EarningRules(multipliers: [promoDouble]),
            amount: 15_000,
            lines: [line("A", "promo", 10_000), line("B", 10_000)],
            points: 225
        ),
        // Shirt 100.00 earns, shipping 20.00 does not; lines 120.00, paid 99.99:
        // 100 × 99.99/120 = 83.325 → floor 83.
        Case(
            name: "discount with an excluded line",
            rules: EarningRules(excludedCategories: ["shipping"]),
            amount: 9_999,
            lines: [line("SHIRT", 10_000), line("SHIP", "shipping", 2_000)],
            points: 83
        ),
        // Lines 100.00, paid 150.00 (unitemised tax): the tea line's share of what was paid is
        // all of it → 150.
        Case(
            name: "lines adding to less than the amount: the amount paid earns, split by line",
            amount: 15_000,
            lines: [line("TEA", 10_000)],
            points: 150
        ),
        // Tea 100.00 of lines 105.00 (shipping 5.00 excluded); paid 200.00: tea's share is
        // 200.00 × 100/105 = 190.476… → 190.
        Case(
            name: "lines adding to less than the amount, shipping excluded",
            rules: EarningRules(excludedCategories: ["shipping"]),
            amount: 20_000,
            lines: [line("TEA", 10_000), line("SHIP", "shipping", 500)],
            points: 190
        ),
    ]

    @Test(arguments: lineCases)
    func lines(_ c: Case) { c.check() }

    // MARK: Bonus, caps and tier

    static let bonusCapTierCases: [Case] = [
        // 100.00 → base 100, + bonus 50 = 150.
        Case(
            name: "first-order bonus is added on the first order",
            rules: EarningRules(firstOrderBonus: 50),
            amount: 10_000,
            context: EarningContext(isFirstOrder: true),
            points: 150,
            base: 100,
            bonus: 50
        ),
        // Not the first order: base 100, no bonus.
        Case(
            name: "no first-order bonus on later orders",
            rules: EarningRules(firstOrderBonus: 50),
            amount: 10_000,
            context: EarningContext(isFirstOrder: false),
            points: 100
        ),
        // base 100 + bonus 50 = 150 > cap 120 → 120: the bonus is added before the cap.
        Case(
            name: "first-order bonus is added before the per-order cap",
            rules: EarningRules(firstOrderBonus: 50, maxPointsPerOrder: 120),
            amount: 10_000,
            context: EarningContext(isFirstOrder: true),
            points: 120,
            base: 100,
            bonus: 50,
            reason: .cappedPerOrder
        ),
        // 100 ≤ 200: untouched, no reason.
        Case(name: "under the per-order cap", rules: EarningRules(maxPointsPerOrder: 200), amount: 10_000, points: 100),
        // 100 == cap 100: not more than the cap, so no reason.
        Case(
            name: "exactly at the per-order cap is not capped",
            rules: EarningRules(maxPointsPerOrder: 100),
            amount: 10_000,
            points: 100
        ),
        // 100 > 80 → 80.
        Case(
            name: "over the per-order cap",
            rules: EarningRules(maxPointsPerOrder: 80),
            amount: 10_000,
            points: 80,
            base: 100,
            reason: .cappedPerOrder
        ),
        // Daily cap 500, 450 earned today → 50 left of the 100.
        Case(
            name: "daily cap leaves a partial allowance",
            rules: EarningRules(maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 450),
            points: 50,
            base: 100,
            reason: .cappedPerMemberPerDay
        ),
        // 500 of 500 used → 0.
        Case(
            name: "daily cap fully used earns zero",
            rules: EarningRules(maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 500),
            points: 0,
            base: 100,
            reason: .cappedPerMemberPerDay
        ),
        // 600 earned, cap 500 (e.g. the cap was lowered) → max(0, -100) = 0, never negative.
        Case(
            name: "daily cap overrun earns zero, not a negative amount",
            rules: EarningRules(maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 600),
            points: 0,
            base: 100,
            reason: .cappedPerMemberPerDay
        ),
        // 300 earned, 200 left ≥ 100 → 100, no reason.
        Case(
            name: "daily cap not reached",
            rules: EarningRules(maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 300),
            points: 100
        ),
        // 400 earned, 100 left == 100 → 100, no reason.
        Case(
            name: "daily cap exactly reached by this order",
            rules: EarningRules(maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 400),
            points: 100
        ),
        // 100 → per-order cap 80 → 50 left today → 50, the last cap's reason.
        Case(
            name: "both caps: the daily cap applies after the per-order cap",
            rules: EarningRules(maxPointsPerOrder: 80, maxPointsPerMemberPerDay: 500),
            amount: 10_000,
            context: EarningContext(earnedToday: 450),
            points: 50,
            base: 100,
            reason: .cappedPerMemberPerDay
        ),
        // base 100 + bonus 50 = 150 > daily 120 → 120.
        Case(
            name: "the bonus counts toward the daily cap",
            rules: EarningRules(firstOrderBonus: 50, maxPointsPerMemberPerDay: 120),
            amount: 10_000,
            context: EarningContext(isFirstOrder: true),
            points: 120,
            base: 100,
            bonus: 50,
            reason: .cappedPerMemberPerDay
        ),
        // 100 × 150 % = base 150; bonus 50 is not multiplied → 200 (not 225).
        Case(
            name: "tier 150% multiplies the base, not the bonus",
            rules: EarningRules(firstOrderBonus: 50),
            amount: 10_000,
            context: EarningContext(isFirstOrder: true, tierMultiplierPercent: 150),
            points: 200,
            base: 150,
            bonus: 50
        ),
        // 9.99 × 150 % = 14.985 → floor 14 (rounded once, after the tier).
        Case(
            name: "tier 150% then floor",
            amount: 999,
            context: EarningContext(tierMultiplierPercent: 150),
            points: 14
        ),
        // 10.00 / 10 = 1 × 150 % = 1.5 → nearest 2.
        Case(
            name: "tier 150% with 1 per 10 yuan and nearest",
            rules: EarningRules(rate: .init(points: 1, per: 10), rounding: .nearest),
            amount: 1_000,
            context: EarningContext(tierMultiplierPercent: 150),
            points: 2
        ),
        // 100.00 × 200 % (promo) × 150 % (tier) = 300.
        Case(
            name: "tier multiplier stacks with a line multiplier",
            rules: EarningRules(multipliers: [promoDouble]),
            amount: 10_000,
            lines: [line("A", "promo", 10_000)],
            context: EarningContext(tierMultiplierPercent: 150),
            points: 300
        ),
        // 100.00 × 150 % = base 150 > cap 120 → 120: the tier is applied before the caps.
        Case(
            name: "tier multiplier is applied before the per-order cap",
            rules: EarningRules(maxPointsPerOrder: 120),
            amount: 10_000,
            context: EarningContext(tierMultiplierPercent: 150),
            points: 120,
            base: 150,
            reason: .cappedPerOrder
        ),
    ]

    @Test(arguments: bonusCapTierCases)
    func bonusCapsAndTier(_ c: Case) { c.check() }

    // MARK: Campaign multipliers

    static let campaignCases: [Case] = [
        // 259.00 yuan, ×2 on the whole order: 518.
        Case(
            name: "whole order ×2",
            amount: 25_900,
            context: EarningContext(campaigns: [CampaignMultiplier(percent: 200)]),
            points: 518
        ),
        // Overlapping campaigns do not stack: the largest (×3) applies.
        Case(
            name: "largest of overlapping campaigns",
            amount: 10_000,
            context: EarningContext(campaigns: [CampaignMultiplier(percent: 200), CampaignMultiplier(percent: 300)]),
            points: 300
        ),
        // ×2 on tea only: tea 120.00 → 240, shipping 19.00 → 19; 259.
        Case(
            name: "category campaign on its lines only",
            amount: 13_900,
            lines: [line("TEA-01", "tea", 12_000), line("SHIP", "shipping", 1_900)],
            context: EarningContext(campaigns: [CampaignMultiplier(percent: 200, category: "tea")]),
            points: 259
        ),
        // A category campaign cannot match an order without lines: the rate alone, 139.
        Case(
            name: "category campaign, no lines",
            amount: 13_900,
            context: EarningContext(campaigns: [CampaignMultiplier(percent: 200, category: "tea")]),
            points: 139
        ),
        // Campaign ×2 and tier ×1.5 multiply: 100 yuan → 300.
        Case(
            name: "campaign and tier multiply",
            amount: 10_000,
            context: EarningContext(tierMultiplierPercent: 150, campaigns: [CampaignMultiplier(percent: 200)]),
            points: 300
        ),
    ]

    @Test(arguments: campaignCases)
    func campaignMultipliers(_ c: Case) { c.check() }

    // MARK: Currencies

    /// An order in a real currency, built from `Money` so the exponent comes from the currency.
    struct CurrencyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var code: String
        var minorUnits: Int64
        var rules = EarningRules()
        var lines: [OrderLine] = []
        var points: Int64

        var testDescription: String { name }
    }

    static let currencyCases: [CurrencyCase] = [
        // JPY has no minor unit: 1 500 yen at 1 per yen → 1500.
        CurrencyCase(name: "JPY (0 decimals): 1 per yen", code: "JPY", minorUnits: 1_500, points: 1_500),
        // 25 999 yen at 1 per 100 yen → 259.99 → 259.
        CurrencyCase(
            name: "JPY (0 decimals): 1 per 100 yen",
            code: "JPY",
            minorUnits: 25_999,
            rules: EarningRules(rate: .init(points: 1, per: 100)),
            points: 259
        ),
        // Lines 2 × 1 500 = 3 000 yen, paid 2 400 → 3000 × 2400/3000 = 2400.
        CurrencyCase(
            name: "JPY (0 decimals): lines with an order discount",
            code: "JPY",
            minorUnits: 2_400,
            lines: [line("BENTO", 2, 1_500)],
            points: 2_400
        ),
        // 25 999 fen = 259.99 yuan → 259.
        CurrencyCase(name: "CNY (2 decimals): 1 per yuan", code: "CNY", minorUnits: 25_999, points: 259),
        // 12 345 fils = 12.345 KWD → floor 12.
        CurrencyCase(name: "KWD (3 decimals): floor", code: "KWD", minorUnits: 12_345, points: 12),
        // 12.500 KWD → 12.5 → nearest 13.
        CurrencyCase(
            name: "KWD (3 decimals): nearest, exact half",
            code: "KWD",
            minorUnits: 12_500,
            rules: EarningRules(rounding: .nearest),
            points: 13
        ),
        // 12.500 KWD in promo × 200 % = 25.
        CurrencyCase(
            name: "KWD (3 decimals): line multiplier",
            code: "KWD",
            minorUnits: 12_500,
            rules: EarningRules(multipliers: [promoDouble]),
            lines: [line("OUD", "promo", 12_500)],
            points: 25
        ),
        // 0.999 KWD × 3 = 2.997 → floor 2.
        CurrencyCase(
            name: "KWD (3 decimals): 3 per 1 under one dinar",
            code: "KWD",
            minorUnits: 999,
            rules: EarningRules(rate: .init(points: 3, per: 1)),
            points: 2
        ),
    ]

    @Test(arguments: currencyCases)
    func currencies(_ c: CurrencyCase) throws {
        let money = try Money(minorUnits: c.minorUnits, currency: Currency(c.code))
        let award = c.rules.award(for: EarningInput(money, lines: c.lines))
        #expect(award.points == c.points)
        #expect(award.base == c.points)
        #expect(award.reason == nil)
    }

    // MARK: Huge amounts

    @Test func hugeAmountWithHugeMultipliersClampsInsteadOfTrapping() throws {
        let money = try Money(minorUnits: Money.maxMinorUnits, currency: Currency("CNY"))
        let rules = EarningRules(rate: .init(points: 1_000_000, per: 1), firstOrderBonus: 1_000_000_000)
        // 10^14 fen = 10^12 yuan × 10^6 points × 10 000 % = 10^20 points > Int64.max (≈ 9.22 × 10^18):
        // base clamps to Int64.max, and base + 10^9 bonus saturates instead of overflowing.
        let award = rules.award(
            for: EarningInput(money),
            context: EarningContext(isFirstOrder: true, tierMultiplierPercent: 10_000)
        )
        #expect(award.base == Int64.max)
        #expect(award.bonus == 1_000_000_000)
        #expect(award.points == Int64.max)
        #expect(award.reason == nil)

        // The same order with a per-order cap of 10^12 → 1 000 000 000 000, capped.
        var capped = rules
        capped.maxPointsPerOrder = 1_000_000_000_000
        let cappedAward = capped.award(
            for: EarningInput(money),
            context: EarningContext(isFirstOrder: true, tierMultiplierPercent: 10_000)
        )
        #expect(cappedAward.points == 1_000_000_000_000)
        #expect(cappedAward.reason == .cappedPerOrder)
    }

    @Test func hugeAmountAtOnePerYuan() throws {
        // 10^14 fen = 10^12 yuan → 1 000 000 000 000 points.
        let money = try Money(minorUnits: Money.maxMinorUnits, currency: Currency("CNY"))
        #expect(EarningRules().award(for: EarningInput(money)).points == 1_000_000_000_000)
    }

    @Test func hugeLineWithTheLargestMultiplier() throws {
        // 10^14 yen on one line at 10 000 % (the largest multiplier a program may set):
        // 10^14 × 100 = 10^16 points, which fits in Int64.
        let money = try Money(minorUnits: Money.maxMinorUnits, currency: Currency("JPY"))
        let rules = EarningRules(multipliers: [.init(category: "promo", percent: 10_000)])
        let award = rules.award(for: EarningInput(money, lines: [Self.line("GOLD", "promo", Money.maxMinorUnits)]))
        #expect(award.points == 10_000_000_000_000_000)
    }

    /// Lines that a validated order may carry (quantity ≤ 10^6, unit amount ≤ 10^14, ≤ 1000 lines)
    /// adding up to more than a maximal amount under the default program: the pro-rata numerator
    /// is weight (2 × 10^20 × 100) × amount (10^14) × rate.points (1) × tier (100) = 2 × 10^38,
    /// beyond Int128.max (≈ 1.70 × 10^38). Earning must clamp, not trap.
    /// Expected: 2 × 10^22 × 10^14 × 100 / (1 × 1 × 10 000 × 2 × 10^20) = 10^14 points.
    @Test func hugeDiscountedLinesDoNotTrap() async {
        await #expect(processExitsWith: .success) {
            let rules = EarningRules()
            let lines = [
                OrderLine(sku: "A", quantity: 1_000_000, unitAmount: 100_000_000_000_000),
                OrderLine(sku: "B", quantity: 1_000_000, unitAmount: 100_000_000_000_000),
            ]
            let award = rules.award(
                for: EarningInput(amount: 100_000_000_000_000, minorUnitsPerMajor: 1, lines: lines)
            )
            precondition(award.points == 100_000_000_000_000)
        }
    }
}
