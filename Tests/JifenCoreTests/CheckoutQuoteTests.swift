import Foundation
import Testing

@testable import JifenCore

/// Table tests of `CheckoutQuote.compute`. Every expected amount is worked out by hand in the
/// case's comment, in minor units.
///
/// Most cases price the same CNY cart: 2 × tea at 128.00 (25600), a cup at 88.00 (8800) and a
/// 100.00 gift card (10000): 44400, with 10.00 shipping.
@Suite struct CheckoutQuoteTests {
    static let cny = try! Currency("CNY")
    static let jpy = try! Currency("JPY")
    static let kwd = try! Currency("KWD")
    static let usd = try! Currency("USD")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    static func line(_ sku: String, _ category: String?, _ quantity: Int64, _ unitAmount: Int64) -> OrderLine {
        OrderLine(sku: sku, category: category, quantity: quantity, unitAmount: unitAmount)
    }

    static let cart = [
        line("tea-1", "tea", 2, 12_800),
        line("cup-1", "ware", 1, 8_800),
        line("card-100", "gift-card", 1, 10_000),
    ]
    static let notGiftCards = CouponEligibility(excludedCategories: ["gift-card"])
    /// 1 point = 1 fen, no minimum, points may pay the whole order.
    static let oneToOne = RedemptionRules(points: 1, amount: 1, minimumPoints: 1, maxOrderSharePercent: 100)

    /// A member's coupon: issued, valid from yesterday for 30 days, in CNY, unless told otherwise.
    static func coupon(
        _ code: String,
        _ benefit: CouponBenefit,
        currency: Currency = cny,
        minimumSpend: Int64 = 0,
        eligibility: CouponEligibility = CouponEligibility(),
        stacks: Bool = false,
        stacksWithPoints: Bool = true,
        state: CouponState = .issued,
        from: Date = now - day,
        until: Date = now + 30 * day
    ) -> CouponCandidate {
        CouponCandidate(
            code: code,
            template: CouponTemplate(
                id: UUID(),
                name: code,
                currency: currency,
                benefit: benefit,
                minimumSpend: minimumSpend,
                eligibility: eligibility,
                validity: .window(from: from, until: until),
                stacksWithCoupons: stacks,
                stacksWithPoints: stacksWithPoints
            ),
            state: state,
            validFrom: from,
            validUntil: until
        )
    }

    /// What every quote must satisfy, whatever its inputs.
    static func checkInvariants(_ quote: CheckoutQuote) {
        for line in quote.lines {
            #expect(line.total >= 0)
            #expect(line.total == line.subtotal - line.tierDiscount - line.couponDiscount)
        }
        // The quote's sums saturate like its lines do; summed here without overflow.
        func sum(_ amount: (QuotedLine) -> Int64) -> Int64 {
            Int64(clamping: quote.lines.reduce(Int128(0)) { $0 + Int128(amount($1)) })
        }
        #expect(quote.subtotal == sum(\.subtotal))
        #expect(quote.tierDiscount == sum(\.tierDiscount))
        #expect(quote.couponDiscount == sum(\.couponDiscount))
        #expect(quote.amountDue >= 0)
        #expect(quote.points.applied <= quote.points.maxRedeemable || quote.points.applied == 0)
    }

    // MARK: - Tier discount × coupons × points × exclusions

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var lines = CheckoutQuoteTests.cart
        var tier: Int64 = 0
        var tierFreeShipping = false
        var shipping: Int64 = 1_000
        var coupons: [CouponCandidate] = []
        var codes: [String] = []
        var points: Int64?
        var available: Int64 = 0
        var redemption = CheckoutQuoteTests.oneToOne
        // Expected:
        var tierDiscounts: [Int64] = [0, 0, 0]
        var couponDiscounts: [Int64] = [0, 0, 0]
        /// Per named code: its refusal's raw value, or its discount when it applies.
        var outcomes: [String] = []
        var shippingDiscount: Int64 = 0
        var pointsApplied: Int64 = 0
        var pointsReason: String?
        var amountDue: Int64

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // 44400 + 1000.
        Case(name: "list price", amountDue: 45_400),
        // 10 % of 44400 = 4440: 2560 / 880 / 1000 exactly. 39960 + 1000.
        Case(name: "tier 10 %", tier: 10, tierDiscounts: [2_560, 880, 1_000], amountDue: 40_960),
        // Tea and cup cost 23040 + 7920 = 30960 after the tier. 5000 × 23040 / 30960 = 3720.9 → 3720,
        // 5000 × 7920 / 30960 = 1279.1 → 1279; the remainder 1 goes to tea. 39960 − 5000 + 1000.
        Case(
            name: "tier 10 % + 50.00 off, gift cards excluded",
            tier: 10,
            coupons: [coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards)],
            codes: ["FIFTY"],
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000"],
            amountDue: 35_960
        ),
        // Named amount first, percent still applies first: 20 % of tea's 23040 = 4608. Then 5000
        // over tea 18432 and cup 7920 (26352): 3497.3 → 3497 + the remainder 1, and 1502.7 → 1502.
        // 39960 − 4608 − 5000 + 1000.
        Case(
            name: "tier 10 % + 20 % off tea + 50.00 off, both stacking",
            tier: 10,
            coupons: [
                coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards, stacks: true),
                coupon("TEA20", .percentOff(20), eligibility: CouponEligibility(categories: ["tea"]), stacks: true),
            ],
            codes: ["FIFTY", "TEA20"],
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [8_106, 1_502, 0],
            outcomes: ["5000", "4608"],
            amountDue: 31_352
        ),
        // Two 10 % coupons compound: 10 % of 34400 = 3440 (2560 / 880), then 10 % of 30960 = 3096
        // (2304 / 792): 19 % in all. 44400 − 6536 + 1000.
        Case(
            name: "two percent coupons compound",
            coupons: [
                coupon("TEN-A", .percentOff(10), eligibility: notGiftCards, stacks: true),
                coupon("TEN-B", .percentOff(10), eligibility: notGiftCards, stacks: true),
            ],
            codes: ["TEN-A", "TEN-B"],
            couponDiscounts: [4_864, 1_672, 0],
            outcomes: ["3440", "3096"],
            amountDue: 38_864
        ),
        // The first does not stack: the second is refused, and the first applies as above.
        Case(
            name: "a coupon that does not stack refuses the next",
            tier: 10,
            coupons: [
                coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards),
                coupon("TEA20", .percentOff(20), eligibility: CouponEligibility(categories: ["tea"]), stacks: true),
            ],
            codes: ["FIFTY", "TEA20"],
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000", "not_stackable"],
            amountDue: 35_960
        ),
        // A stacking coupon first, then one that does not stack: the second is refused.
        Case(
            name: "a coupon that does not stack cannot join one that does",
            tier: 10,
            coupons: [
                coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards, stacks: true),
                coupon("TEA20", .percentOff(20), eligibility: CouponEligibility(categories: ["tea"])),
            ],
            codes: ["FIFTY", "TEA20"],
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000", "not_stackable"],
            amountDue: 35_960
        ),
        // Half of 34960 = 17480 may be paid with points. 34960 − 17480 + 1000.
        Case(
            name: "points capped at half the order after discounts",
            tier: 10,
            coupons: [coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards)],
            codes: ["FIFTY"],
            points: 20_000,
            available: 100_000,
            redemption: RedemptionRules(points: 1, amount: 1, maxOrderSharePercent: 50),
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000"],
            pointsApplied: 17_480,
            pointsReason: "max_order_share",
            amountDue: 18_480
        ),
        // The balance binds: 3000 of 5000. 34960 − 3000 + 1000.
        Case(
            name: "points capped by the balance",
            tier: 10,
            coupons: [coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards)],
            codes: ["FIFTY"],
            points: 5_000,
            available: 3_000,
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000"],
            pointsApplied: 3_000,
            pointsReason: "insufficient_points",
            amountDue: 32_960
        ),
        Case(
            name: "a coupon that does not stack with points: none apply",
            tier: 10,
            coupons: [coupon("FIFTY", .amountOff(5_000), eligibility: notGiftCards, stacksWithPoints: false)],
            codes: ["FIFTY"],
            points: 5_000,
            available: 100_000,
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [3_721, 1_279, 0],
            outcomes: ["5000"],
            pointsReason: "not_stackable",
            amountDue: 35_960
        ),
        // Points may pay everything but shipping: 39960 of 39960. Only shipping is due.
        Case(
            name: "points pay the merchandise, never shipping",
            tier: 10,
            points: 1_000_000,
            available: 1_000_000,
            tierDiscounts: [2_560, 880, 1_000],
            pointsApplied: 39_960,
            pointsReason: "max_order_share",
            amountDue: 1_000
        ),
        // 5 % of 44400 = 2220: 1280 / 440 / 500. Shipping waived: 42180.
        Case(
            name: "tier 5 % + free shipping",
            tier: 5,
            coupons: [coupon("SHIP", .freeShipping)],
            codes: ["SHIP"],
            tierDiscounts: [1_280, 440, 500],
            outcomes: ["1000"],
            shippingDiscount: 1_000,
            amountDue: 42_180
        ),
        Case(
            name: "the tier ships free: a free-shipping coupon would save nothing",
            tierFreeShipping: true,
            coupons: [coupon("SHIP", .freeShipping)],
            codes: ["SHIP"],
            outcomes: ["not_eligible"],
            shippingDiscount: 1_000,
            amountDue: 44_400
        ),
        Case(
            name: "nothing to ship: a free-shipping coupon would save nothing",
            shipping: 0,
            coupons: [coupon("SHIP", .freeShipping)],
            codes: ["SHIP"],
            outcomes: ["not_eligible"],
            amountDue: 44_400
        ),
        Case(
            name: "a second free-shipping coupon would save nothing",
            coupons: [coupon("SHIP-1", .freeShipping, stacks: true), coupon("SHIP-2", .freeShipping, stacks: true)],
            codes: ["SHIP-1", "SHIP-2"],
            outcomes: ["1000", "not_eligible"],
            shippingDiscount: 1_000,
            amountDue: 44_400
        ),
        Case(
            name: "a coupon on gift cards only, which it also excludes, matches no line",
            coupons: [
                coupon(
                    "CARDS",
                    .amountOff(1_000),
                    eligibility: CouponEligibility(categories: ["gift-card"], excludedCategories: ["gift-card"])
                )
            ],
            codes: ["CARDS"],
            outcomes: ["not_eligible"],
            amountDue: 45_400
        ),
        // The whole cart after the tier is 39960, but tea and cup are 30960 < 31000.
        Case(
            name: "the minimum spend counts eligible lines after the tier",
            tier: 10,
            coupons: [coupon("MIN310", .amountOff(3_000), minimumSpend: 31_000, eligibility: notGiftCards)],
            codes: ["MIN310"],
            tierDiscounts: [2_560, 880, 1_000],
            outcomes: ["below_minimum_spend"],
            amountDue: 40_960
        ),
        // Without the tier, tea and cup are 34400 ≥ 31000: 3000 × 25600 / 34400 = 2232.6 → 2232 + 1,
        // 3000 × 8800 / 34400 = 767.4 → 767. 44400 − 3000 + 1000.
        Case(
            name: "the same coupon without a tier discount",
            coupons: [coupon("MIN310", .amountOff(3_000), minimumSpend: 31_000, eligibility: notGiftCards)],
            codes: ["MIN310"],
            couponDiscounts: [2_233, 767, 0],
            outcomes: ["3000"],
            amountDue: 42_400
        ),
        // The cup is all the coupon can take.
        Case(
            name: "an amount off is capped at what its lines cost",
            coupons: [coupon("WARE", .amountOff(50_000), eligibility: CouponEligibility(categories: ["ware"]))],
            codes: ["WARE"],
            couponDiscounts: [0, 8_800, 0],
            outcomes: ["8800"],
            amountDue: 36_600
        ),
        // Everything but the tea: 8800 + 10000 off. 25600 + 1000.
        Case(
            name: "100 % off every line but an excluded SKU",
            coupons: [coupon("ALL", .percentOff(100), eligibility: CouponEligibility(excludedSkus: ["tea-1"]))],
            codes: ["ALL"],
            couponDiscounts: [0, 8_800, 10_000],
            outcomes: ["18800"],
            amountDue: 26_600
        ),
        // The tier first (23040 / 7920 / 9000), then 100 % of the tea and the cup.
        Case(
            name: "tier 10 % then 100 % off: lines never go below zero",
            tier: 10,
            coupons: [coupon("ALL", .percentOff(100), eligibility: notGiftCards)],
            codes: ["ALL"],
            points: 50_000,
            available: 50_000,
            tierDiscounts: [2_560, 880, 1_000],
            couponDiscounts: [23_040, 7_920, 0],
            outcomes: ["30960"],
            pointsApplied: 9_000,
            pointsReason: "max_order_share",
            amountDue: 1_000
        ),
        Case(
            name: "a gift saves nothing and names its SKU",
            coupons: [coupon("MUG", .gift(sku: "mug-01"), minimumSpend: 40_000)],
            codes: ["MUG"],
            outcomes: ["0 mug-01"],
            amountDue: 45_400
        ),
    ]

    @Test(arguments: cases)
    func prices(_ c: Case) {
        let quote = CheckoutQuote.compute(
            CheckoutRequest(
                currency: Self.cny,
                lines: c.lines,
                shipping: c.shipping,
                couponCodes: c.codes,
                points: c.points
            ),
            CheckoutContext(
                now: Self.now,
                tierDiscountPercent: c.tier,
                tierFreeShipping: c.tierFreeShipping,
                coupons: c.coupons,
                availablePoints: c.available,
                redemption: c.redemption
            )
        )
        Self.checkInvariants(quote)
        #expect(quote.lines.map(\.tierDiscount) == c.tierDiscounts, "tier discounts")
        #expect(quote.lines.map(\.couponDiscount) == c.couponDiscounts, "coupon discounts")
        let outcomes = quote.coupons.map { coupon in
            coupon.refusal?.rawValue
                ?? ([String(coupon.discount)] + [coupon.giftSKU].compactMap(\.self)).joined(separator: " ")
        }
        #expect(outcomes == c.outcomes, "coupons")
        #expect(quote.shippingDiscount == c.shippingDiscount, "shipping discount")
        #expect(quote.points.applied == c.pointsApplied, "points")
        #expect(quote.points.value == c.pointsApplied, "1 point is 1 fen")
        #expect(quote.points.reason == c.pointsReason, "points reason")
        #expect(quote.amountDue == c.amountDue, "amount due")
        #expect(quote.subtotal == c.lines.reduce(0) { $0 + $1.quantity * $1.unitAmount })
        #expect(quote.shipping == c.shipping)
        #expect(!quote.selectedAutomatically)
        let due =
            quote.subtotal - quote.tierDiscount - quote.couponDiscount + quote.shipping - quote.shippingDiscount
            - quote.points.value
        #expect(quote.amountDue == due)
    }

    // MARK: - Rounding: the largest line absorbs the remainder

    struct RoundingCase: Sendable, CustomTestStringConvertible {
        var name: String
        var currency: Currency
        var lines: [OrderLine]
        var tier: Int64 = 0
        var coupon: CouponBenefit?
        var eligibility = CouponEligibility()
        var tierDiscounts: [Int64]
        var couponDiscounts: [Int64]
        var amountDue: Int64

        var testDescription: String { name }
    }

    static let roundingCases: [RoundingCase] = [
        // 5 % of 1200 = 60: 999 → 49.95 → 49, 101 → 5.05 → 5, 100 → 5; 59, the remainder 1 to 999.
        RoundingCase(
            name: "JPY, tier 5 %",
            currency: jpy,
            lines: [line("a", nil, 3, 333), line("b", nil, 1, 101), line("c", nil, 1, 100)],
            tier: 5,
            tierDiscounts: [50, 5, 5],
            couponDiscounts: [0, 0, 0],
            amountDue: 1_140
        ),
        // 100 over 333 / 333 / 334: 33 / 33 / 33; the remainder 1 to the largest, 334.
        RoundingCase(
            name: "JPY, 100 yen off",
            currency: jpy,
            lines: [line("a", nil, 1, 333), line("b", nil, 1, 333), line("c", nil, 1, 334)],
            coupon: .amountOff(100),
            tierDiscounts: [0, 0, 0],
            couponDiscounts: [33, 33, 34],
            amountDue: 900
        ),
        // 8 % of 4001 = 320.08 → 320: 1999 → 159.9 → 159 twice, 3 → 0.2 → 0; the remainder 2 to
        // the first of the two largest.
        RoundingCase(
            name: "CNY, tier 8 %, equal largest lines",
            currency: cny,
            lines: [line("a", nil, 1, 1_999), line("b", nil, 1, 1_999), line("c", nil, 1, 3)],
            tier: 8,
            tierDiscounts: [161, 159, 0],
            couponDiscounts: [0, 0, 0],
            amountDue: 3_681
        ),
        // 90 % of 3 = 2.7 → 2; every share rounds to 0. The largest (first) line can take only 1,
        // so the next takes the other.
        RoundingCase(
            name: "CNY, tier 90 % of three 0.01 lines: the remainder spills to the next line",
            currency: cny,
            lines: [line("a", nil, 1, 1), line("b", nil, 1, 1), line("c", nil, 1, 1)],
            tier: 90,
            tierDiscounts: [1, 1, 0],
            couponDiscounts: [0, 0, 0],
            amountDue: 1
        ),
        // 15 % of 12345 + 13578 = 25923 → 3888.45 → 3888: 12345 → 1851.5 → 1851, 13578 → 2036.5 →
        // 2036; the remainder 1 to 13578. The gift card is excluded.
        RoundingCase(
            name: "KWD, 15 % off, gift cards excluded",
            currency: kwd,
            lines: [line("x", "oud", 1, 12_345), line("y", "oud", 2, 6_789), line("z", "gift-card", 1, 1_000)],
            coupon: .percentOff(15),
            eligibility: notGiftCards,
            tierDiscounts: [0, 0, 0],
            couponDiscounts: [1_851, 2_037, 0],
            amountDue: 23_035
        ),
        // Tier 12 % of 26923 = 3230.76 → 3230: 12345 → 1481.2 → 1481, 13578 → 1629.0 → 1629,
        // 1000 → 119.97 → 119; 3229, the remainder 1 to 13578 (1630). Then 1.000 KWD off the two
        // oud lines, 10864 and 11948 (22812): 476.2 → 476, 523.7 → 523; the remainder 1 to 11948.
        RoundingCase(
            name: "KWD, tier 12 % then 1.000 off",
            currency: kwd,
            lines: [line("x", "oud", 1, 12_345), line("y", "oud", 2, 6_789), line("z", "gift-card", 1, 1_000)],
            tier: 12,
            coupon: .amountOff(1_000),
            eligibility: notGiftCards,
            tierDiscounts: [1_481, 1_630, 119],
            couponDiscounts: [476, 524, 0],
            amountDue: 22_693
        ),
    ]

    @Test(arguments: roundingCases)
    func roundsDownAndTheLargestLineAbsorbsTheRemainder(_ c: RoundingCase) {
        let coupons = c.coupon.map { [Self.coupon("C", $0, currency: c.currency, eligibility: c.eligibility)] } ?? []
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: c.currency, lines: c.lines, couponCodes: coupons.map(\.code)),
            CheckoutContext(now: Self.now, tierDiscountPercent: c.tier, coupons: coupons)
        )
        Self.checkInvariants(quote)
        #expect(quote.lines.map(\.tierDiscount) == c.tierDiscounts)
        #expect(quote.lines.map(\.couponDiscount) == c.couponDiscounts)
        #expect(quote.amountDue == c.amountDue)
        #expect(quote.coupons.allSatisfy { $0.refusal == nil })
    }

    // MARK: - The seed program's tiers

    static let seedTiers = TierRules(levels: [
        TierRules.Level(code: "member", name: "Member", threshold: 0, discountPercent: 5),
        TierRules.Level(code: "silver", name: "Silver", threshold: 200_000, discountPercent: 8),
        TierRules.Level(code: "gold", name: "Gold", threshold: 500_000, discountPercent: 10),
        TierRules.Level(code: "black", name: "Black", threshold: 2_000_000, discountPercent: 12),
    ])

    @Test(arguments: [
        (Int64(0), "member", Int64(95_000)),
        (199_999, "member", 95_000),
        (200_000, "silver", 92_000),
        (499_999, "silver", 92_000),
        (500_000, "gold", 90_000),
        (2_000_000, "black", 88_000),
        (90_000_000, "black", 88_000),
    ])
    func eachTierPaysItsShare(spend: Int64, code: String, due: Int64) {
        let level = Self.seedTiers.level(for: spend)
        #expect(level.code == code)
        let quote = CheckoutQuote.compute(
            CheckoutRequest(
                currency: Self.cny,
                lines: [Self.line("a", nil, 1, 60_000), Self.line("b", nil, 2, 20_000)]
            ),
            CheckoutContext(now: Self.now, tierDiscountPercent: level.discountPercent)
        )
        Self.checkInvariants(quote)
        #expect(quote.subtotal == 100_000)
        #expect(quote.tierDiscount == 100_000 - due)
        #expect(quote.amountDue == due)
        // 60000 and 40000: the discount splits 3 : 2 exactly.
        #expect(quote.lines.map(\.tierDiscount) == [(100_000 - due) * 3 / 5, (100_000 - due) * 2 / 5])
    }

    // MARK: - Refusals

    struct RefusalCase: Sendable, CustomTestStringConvertible {
        var codes: [String]
        /// Per named code: its refusal, or "ok".
        var outcomes: [String]
        var shipping: Int64 = 1_000

        var testDescription: String { "\(codes) → \(outcomes)" }
    }

    /// The member's coupons the refusal cases name.
    static let wallet: [CouponCandidate] = [
        coupon("ABCD-EFGH-JKMN", .amountOff(1_000)),
        coupon("STACK-A", .amountOff(1_000), stacks: true),
        coupon("STACK-B", .percentOff(5), stacks: true),
        coupon("VOIDED", .amountOff(1_000), state: .voided),
        coupon("HELD", .amountOff(1_000), state: .reserved),
        coupon("SPENT", .amountOff(1_000), state: .redeemed),
        coupon("OLD", .amountOff(1_000), state: .expired),
        // A voided coupon whose window has also passed: voided is checked first.
        coupon("OLD-VOID", .amountOff(1_000), state: .voided, until: now - day),
        coupon("ENDS-NOW", .amountOff(1_000), until: now),
        coupon("SOON", .amountOff(1_000), from: now + 1),
        coupon("DOLLARS", .amountOff(1_000), currency: usd),
        // Wrong currency and no line matches: the currency is checked first.
        coupon("DOLLAR-SHOES", .amountOff(1_000), currency: usd, eligibility: CouponEligibility(categories: ["shoes"])),
        coupon("SHOES", .amountOff(1_000), eligibility: CouponEligibility(skus: ["shoe-1"])),
        coupon("BIG-SPENDER", .amountOff(1_000), minimumSpend: 44_401),
        coupon("SHIP", .freeShipping),
    ]

    static let refusalCases: [RefusalCase] = [
        RefusalCase(codes: ["NOPE-NOPE-NOPE"], outcomes: ["unknown_code"]),
        RefusalCase(codes: ["abcd efgh jkmn"], outcomes: ["ok"]),
        RefusalCase(codes: ["ABCD-EFGH-JKMN", "abcdefghjkmn"], outcomes: ["ok", "duplicate"]),
        RefusalCase(codes: ["VOIDED"], outcomes: ["voided"]),
        RefusalCase(codes: ["OLD-VOID"], outcomes: ["voided"]),
        RefusalCase(codes: ["HELD", "SPENT"], outcomes: ["already_used", "already_used"]),
        RefusalCase(codes: ["OLD", "ENDS-NOW"], outcomes: ["expired", "expired"]),
        RefusalCase(codes: ["SOON"], outcomes: ["not_yet_valid"]),
        RefusalCase(codes: ["DOLLARS", "DOLLAR-SHOES"], outcomes: ["currency_mismatch", "currency_mismatch"]),
        RefusalCase(codes: ["SHOES"], outcomes: ["not_eligible"]),
        RefusalCase(codes: ["SHIP"], outcomes: ["not_eligible"], shipping: 0),
        RefusalCase(codes: ["BIG-SPENDER"], outcomes: ["below_minimum_spend"]),
        RefusalCase(codes: ["ABCD-EFGH-JKMN", "STACK-A"], outcomes: ["ok", "not_stackable"]),
        RefusalCase(codes: ["STACK-A", "ABCD-EFGH-JKMN", "STACK-B"], outcomes: ["ok", "not_stackable", "ok"]),
        // A refused coupon does not block the next: the first applicable one wins.
        RefusalCase(
            codes: ["SPENT", "SHOES", "STACK-B", "SHIP"],
            outcomes: ["already_used", "not_eligible", "ok", "not_stackable"]
        ),
        RefusalCase(codes: ["SHIP", "SHIP"], outcomes: ["ok", "duplicate"]),
    ]

    @Test(arguments: refusalCases)
    func refusesInTheDocumentedOrder(_ c: RefusalCase) {
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: Self.cny, lines: Self.cart, shipping: c.shipping, couponCodes: c.codes),
            CheckoutContext(now: Self.now, coupons: Self.wallet)
        )
        Self.checkInvariants(quote)
        #expect(quote.coupons.map { $0.refusal?.rawValue ?? "ok" } == c.outcomes)
        for (named, quoted) in zip(c.codes, quote.coupons) {
            let held = Self.wallet.first { CouponCode.key($0.code) == CouponCode.key(named) }
            #expect(quoted.code == held?.code ?? named)
            #expect(quoted.templateID == held?.template.id)
            if quoted.refusal != nil { #expect(quoted.discount == 0) }
        }
        let applied = quote.coupons.filter { $0.refusal == nil }.reduce(0) { $0 + $1.discount }
        #expect(applied == quote.couponDiscount + quote.shippingDiscount)
    }

    @Test func everyRefusalIsCovered() {
        let covered = Set(Self.refusalCases.flatMap(\.outcomes))
        for refusal in CouponRefusal.allCases { #expect(covered.contains(refusal.rawValue), "\(refusal)") }
    }

    // MARK: - The best combination

    struct BestCase: Sendable, CustomTestStringConvertible {
        var name: String
        var coupons: [CouponCandidate]
        var shipping: Int64 = 1_000
        var tierFreeShipping = false
        /// The codes chosen, in the order reported.
        var chosen: [String]
        var saving: Int64

        var testDescription: String { name }
    }

    static let bestCases: [BestCase] = [
        BestCase(
            name: "one big coupon that does not stack beats two that do",
            coupons: [
                coupon("S-3000", .amountOff(3_000), stacks: true),
                coupon("BIG", .amountOff(10_000)),
                coupon("S-4000", .amountOff(4_000), stacks: true),
            ],
            chosen: ["BIG"],
            saving: 10_000
        ),
        BestCase(
            name: "two that stack beat one big one",
            coupons: [
                coupon("S-6000", .amountOff(6_000), stacks: true, until: now + 3 * day),
                coupon("BIG", .amountOff(10_000)),
                coupon("S-5000", .amountOff(5_000), stacks: true, until: now + 2 * day),
            ],
            chosen: ["S-5000", "S-6000"],
            saving: 11_000
        ),
        BestCase(
            name: "a tie goes to the one expiring first",
            coupons: [
                coupon("LATER", .amountOff(5_000), until: now + 20 * day),
                coupon("SOONER", .amountOff(5_000), until: now + 2 * day),
                coupon("LATEST", .amountOff(5_000), until: now + 40 * day),
            ],
            chosen: ["SOONER"],
            saving: 5_000
        ),
        BestCase(
            name: "a tie on expiry goes to code order",
            coupons: [coupon("B-OFF", .amountOff(5_000)), coupon("A-OFF", .amountOff(5_000))],
            chosen: ["A-OFF"],
            saving: 5_000
        ),
        BestCase(
            name: "a tie between one coupon and two goes to one",
            coupons: [
                coupon("S-5000", .amountOff(5_000), stacks: true, until: now + 1 * day),
                coupon("S-3000", .amountOff(3_000), stacks: true, until: now + 1 * day),
                coupon("ALONE", .amountOff(8_000), until: now + 60 * day),
            ],
            chosen: ["ALONE"],
            saving: 8_000
        ),
        // 10 % of 44400 = 4440, then 1000 off and 1000 shipping: 6440 beats 5000 alone.
        BestCase(
            name: "percent, amount and shipping together",
            coupons: [
                coupon("AMOUNT", .amountOff(1_000), stacks: true, until: now + 2 * day),
                coupon("PERCENT", .percentOff(10), stacks: true, until: now + 3 * day),
                coupon("SHIP", .freeShipping, stacks: true, until: now + 4 * day),
                coupon("SHIP-2", .freeShipping, stacks: true, until: now + 5 * day),
                coupon("FIVE", .amountOff(5_000)),
            ],
            chosen: ["AMOUNT", "PERCENT", "SHIP"],
            saving: 6_440
        ),
        BestCase(
            name: "unusable coupons and gifts are never chosen",
            coupons: [
                coupon("SPENT", .amountOff(40_000), state: .redeemed),
                coupon("GONE", .amountOff(40_000), until: now),
                coupon("SOON", .amountOff(40_000), from: now + day),
                coupon("DOLLARS", .amountOff(40_000), currency: usd),
                coupon("SHOES", .amountOff(40_000), eligibility: CouponEligibility(categories: ["shoes"])),
                coupon("RICH", .amountOff(40_000), minimumSpend: 100_000),
                coupon("MUG", .gift(sku: "mug-01")),
                coupon("SMALL", .amountOff(100)),
            ],
            chosen: ["SMALL"],
            saving: 100
        ),
        BestCase(
            name: "a coupon that saves nothing is not spent",
            coupons: [coupon("SHIP", .freeShipping), coupon("MUG", .gift(sku: "mug-01"))],
            tierFreeShipping: true,
            chosen: [],
            saving: 0
        ),
    ]

    @Test(arguments: bestCases)
    func picksTheBestCombination(_ c: BestCase) {
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: Self.cny, lines: Self.cart, shipping: c.shipping),
            CheckoutContext(now: Self.now, tierFreeShipping: c.tierFreeShipping, coupons: c.coupons)
        )
        Self.checkInvariants(quote)
        #expect(quote.selectedAutomatically)
        #expect(quote.coupons.map(\.code) == c.chosen)
        #expect(quote.coupons.allSatisfy { $0.refusal == nil })
        let tierShipping = c.tierFreeShipping ? c.shipping : 0
        #expect(quote.couponDiscount + quote.shippingDiscount - tierShipping == c.saving)
        #expect(quote.coupons.reduce(0) { $0 + $1.discount } == c.saving)
    }

    @Test func namingNoCodesUsesNoCoupon() {
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: Self.cny, lines: Self.cart, couponCodes: []),
            CheckoutContext(now: Self.now, coupons: [Self.coupon("BIG", .amountOff(10_000))])
        )
        #expect(quote.coupons.isEmpty)
        #expect(!quote.selectedAutomatically)
        #expect(quote.amountDue == 44_400)
    }

    /// Only the first 100 usable coupons to expire are weighed: the 150th, though the best, is not.
    @Test func weighsAtMostAHundredCandidates() {
        var coupons: [CouponCandidate] = []
        for i in 0..<149 {
            let until = Self.now + Double(i + 1) * 60
            coupons.append(Self.coupon("C\(i)", .amountOff(100 + Int64(i)), stacks: i % 2 == 0, until: until))
        }
        coupons.append(Self.coupon("LAST", .amountOff(40_000), until: Self.now + 200 * Self.day))
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: Self.cny, lines: Self.cart),
            CheckoutContext(now: Self.now, coupons: coupons)
        )
        // The stacking ones of the first 100: C0, C2, …, C98, worth 100 + 2k each: 50 × 100 + 2 × 1225.
        #expect(quote.coupons.count == 50)
        #expect(quote.couponDiscount == 7_450)
        #expect(!quote.coupons.contains { $0.code == "LAST" })
    }

    // MARK: - Points

    struct PointsCase: Sendable, CustomTestStringConvertible {
        var name: String
        var unitAmount: Int64 = 10_000
        var requested: Int64?
        var available: Int64 = 8_000
        /// 1 point = 1 fen, at least 500, at most half the order.
        var rules = RedemptionRules(points: 100, amount: 100, minimumPoints: 500, maxOrderSharePercent: 50)
        var programCurrency: Currency? = CheckoutQuoteTests.cny
        var maxRedeemable: Int64
        var applied: Int64 = 0
        var value: Int64 = 0
        var reason: String?

        var testDescription: String { name }
    }

    static let pointsCases: [PointsCase] = [
        PointsCase(name: "none requested: the most that could apply is still reported", maxRedeemable: 5_000),
        PointsCase(name: "within every limit", requested: 3_000, maxRedeemable: 5_000, applied: 3_000, value: 3_000),
        PointsCase(name: "exactly the minimum", requested: 500, maxRedeemable: 5_000, applied: 500, value: 500),
        PointsCase(name: "below the minimum", requested: 499, maxRedeemable: 5_000, reason: "below_minimum"),
        PointsCase(
            name: "over the share of the order",
            requested: 6_000,
            maxRedeemable: 5_000,
            applied: 5_000,
            value: 5_000,
            reason: "max_order_share"
        ),
        PointsCase(
            name: "over the balance",
            requested: 6_000,
            available: 3_000,
            maxRedeemable: 3_000,
            applied: 3_000,
            value: 3_000,
            reason: "insufficient_points"
        ),
        PointsCase(
            name: "a balance below the minimum: none",
            requested: 600,
            available: 400,
            maxRedeemable: 0,
            reason: "insufficient_points"
        ),
        // Half of 800 is 400, below the minimum of 500.
        PointsCase(
            name: "a share below the minimum: none",
            unitAmount: 800,
            requested: 600,
            maxRedeemable: 0,
            reason: "max_order_share"
        ),
        PointsCase(
            name: "another currency than the program's",
            requested: 1_000,
            programCurrency: usd,
            maxRedeemable: 0,
            reason: "currency_mismatch"
        ),
        PointsCase(
            name: "a program without a currency takes points in any",
            requested: 1_000,
            programCurrency: nil,
            maxRedeemable: 5_000,
            applied: 1_000,
            value: 1_000
        ),
        PointsCase(
            name: "points worth nothing",
            requested: 1_000,
            rules: RedemptionRules(points: 100, amount: 0),
            maxRedeemable: 0,
            reason: "no_value"
        ),
        PointsCase(
            name: "no share of the order may be paid with points",
            requested: 1_000,
            rules: RedemptionRules(points: 1, amount: 1, maxOrderSharePercent: 0),
            maxRedeemable: 0,
            reason: "max_order_share"
        ),
        // 3 points are worth 0.01: 0.10 is worth exactly 30 points, not the 32 whose value would
        // still round down to 0.10.
        PointsCase(
            name: "no point is spent for nothing",
            unitAmount: 10,
            requested: 1_000,
            rules: RedemptionRules(points: 3, amount: 1, maxOrderSharePercent: 100),
            maxRedeemable: 30,
            applied: 30,
            value: 10,
            reason: "max_order_share"
        ),
        // 100 points are worth 1.00 (100 fen); 5000 points are 50.00 of the 100.00 order.
        PointsCase(
            name: "100 points = 1 yuan",
            requested: 9_999,
            available: 100_000,
            rules: RedemptionRules(points: 100, amount: 100, maxOrderSharePercent: 50),
            maxRedeemable: 5_000,
            applied: 5_000,
            value: 5_000,
            reason: "max_order_share"
        ),
        // 1 point = 0.10 (10 fen): half of 100.00 is 500 points.
        PointsCase(
            name: "1 point = 0.10 yuan",
            requested: 700,
            available: 100_000,
            rules: RedemptionRules(points: 1, amount: 10, minimumPoints: 1, maxOrderSharePercent: 50),
            maxRedeemable: 500,
            applied: 500,
            value: 5_000,
            reason: "max_order_share"
        ),
    ]

    @Test(arguments: pointsCases)
    func capsPoints(_ c: PointsCase) {
        let quote = CheckoutQuote.compute(
            CheckoutRequest(currency: Self.cny, lines: [Self.line("a", nil, 1, c.unitAmount)], points: c.requested),
            CheckoutContext(
                now: Self.now,
                availablePoints: c.available,
                redemption: c.rules,
                programCurrency: c.programCurrency
            )
        )
        #expect(quote.points.requested == (c.requested ?? 0))
        #expect(quote.points.maxRedeemable == c.maxRedeemable)
        #expect(quote.points.applied == c.applied)
        #expect(quote.points.value == c.value)
        #expect(quote.points.reason == c.reason)
        #expect(quote.amountDue == c.unitAmount - c.value)
        if let reason = c.reason { #expect(QuotedPoints.Reason(rawValue: reason) != nil) }
    }

    // MARK: - Points earned

    @Test func earnsWhatScoringAwardsTheOrderAsQuoted() {
        // 1 point per yuan, shipping excluded. Tier 10 % and 50.00 off: 34960; 100.00 in points
        // and 10.00 shipping: 25960 due. The order's lines at list price (44400) and its shipping
        // line (1000) split it: 25960 × 44400 / 45400 = 25388.2 → 253.
        let context = CheckoutContext(
            now: Self.now,
            tierDiscountPercent: 10,
            coupons: [Self.coupon("FIFTY", .amountOff(5_000), eligibility: Self.notGiftCards)],
            availablePoints: 10_000,
            redemption: Self.oneToOne,
            earning: EarningRules(rate: .init(points: 1, per: 1), excludedCategories: ["shipping"]),
            programCurrency: Self.cny
        )
        let request = CheckoutRequest(
            currency: Self.cny,
            lines: Self.cart,
            shipping: 1_000,
            couponCodes: ["FIFTY"],
            points: 10_000
        )
        let quote = CheckoutQuote.compute(request, context)
        #expect(quote.amountDue == 25_960)
        #expect(quote.pointsEarned == 253)
        // The same as the earning rules give the order recorded as the quote says.
        let order = EarningInput(
            amount: quote.amountDue,
            minorUnitsPerMajor: 100,
            lines: Self.cart + [CheckoutQuote.shippingLine(1_000)]
        )
        #expect(context.earning.award(for: order).points == quote.pointsEarned)

        // Without points: 35960 × 44400 / 45400 → 351.
        var plain = request
        plain.points = nil
        #expect(CheckoutQuote.compute(plain, context).pointsEarned == 351)

        // Gift cards earn nothing either: 25960 × 34400 / 45400 = 196.7 → 196.
        var excluding = context
        excluding.earning.excludedCategories = ["shipping", "gift-card"]
        #expect(CheckoutQuote.compute(request, excluding).pointsEarned == 196)

        // The tier's earn multiplier and the first-order bonus come from the earning rules and
        // context: 253.88 × 1.5 = 380.8 → 380, + 50.
        var gold = context
        gold.earning.firstOrderBonus = 50
        gold.earningContext = EarningContext(isFirstOrder: true, tierMultiplierPercent: 150)
        #expect(CheckoutQuote.compute(request, gold).pointsEarned == 430)

        // An order in another currency than the program's earns nothing.
        var dollars = context
        dollars.programCurrency = Self.usd
        #expect(CheckoutQuote.compute(request, dollars).pointsEarned == 0)
    }

    // MARK: - Hostile sizes

    @Test func hostileCartsDoNotTrap() {
        let lines = (0..<1_000).map { i in
            Self.line(
                "sku-\(i)",
                i % 3 == 0 ? "gift-card" : "tea",
                OrderLine.maxQuantity,
                Money.maxMinorUnits - Int64(i)
            )
        }
        var coupons: [CouponCandidate] = [Self.coupon("SHIP", .freeShipping, currency: Self.kwd, stacks: true)]
        for i in 0..<150 {
            let benefit: CouponBenefit = i % 2 == 0 ? .percentOff(100) : .amountOff(.max)
            let eligibility = i % 3 == 0 ? Self.notGiftCards : CouponEligibility()
            let until = Self.now + Double(i + 1) * Self.day
            coupons.append(
                Self.coupon(
                    "P\(i)",
                    benefit,
                    currency: Self.kwd,
                    eligibility: eligibility,
                    stacks: i % 5 != 0,
                    until: until
                )
            )
        }
        let codeLists: [[String]?] = [nil, coupons.map(\.code)]
        for codes in codeLists {
            for tier in [Int64(0), 12, 100, -5, 1_000] {
                let quote = CheckoutQuote.compute(
                    CheckoutRequest(currency: Self.kwd, lines: lines, shipping: .max, couponCodes: codes, points: .max),
                    CheckoutContext(
                        now: Self.now,
                        tierDiscountPercent: tier,
                        tierFreeShipping: tier == 12,
                        coupons: coupons,
                        availablePoints: .max,
                        redemption: RedemptionRules(points: 1, amount: .max, maxOrderSharePercent: 100),
                        earning: EarningRules(
                            rate: .init(points: .max, per: 1),
                            multipliers: [.init(category: "tea", percent: 10_000)]
                        ),
                        earningContext: EarningContext(tierMultiplierPercent: 10_000)
                    )
                )
                Self.checkInvariants(quote)
                #expect(quote.lines.count == 1_000)
                // Each line is 10^20 and more, beyond Int64: it saturates.
                #expect(quote.lines.allSatisfy { $0.subtotal == .max })
                #expect(quote.subtotal == .max)
                #expect(quote.pointsEarned >= 0)
            }
        }
        // Hostile points rules: every field at an extreme.
        for rules in [
            RedemptionRules(points: .max, amount: 1, minimumPoints: .max, maxOrderSharePercent: .max),
            RedemptionRules(points: .min, amount: .min, minimumPoints: .min, maxOrderSharePercent: .min),
            RedemptionRules(points: 1, amount: .max, minimumPoints: 0, maxOrderSharePercent: 100),
        ] {
            let quote = CheckoutQuote.compute(
                CheckoutRequest(currency: Self.cny, lines: lines, shipping: -1, points: .max),
                CheckoutContext(now: Self.now, availablePoints: .max, redemption: rules)
            )
            Self.checkInvariants(quote)
        }
        // Negative sizes (refused by the API before any quote) count as 0.
        let negative = CheckoutQuote.compute(
            CheckoutRequest(
                currency: Self.cny,
                lines: [Self.line("a", nil, -3, 100), Self.line("b", nil, 2, -100), Self.line("c", nil, 1, 500)],
                shipping: -10,
                points: -5
            ),
            CheckoutContext(now: Self.now, tierDiscountPercent: 10)
        )
        Self.checkInvariants(negative)
        #expect(negative.subtotal == 500)
        #expect(negative.amountDue == 450)
        #expect(negative.shipping == 0)
        #expect(negative.points.requested == 0)
    }

    // MARK: - ProRata

    /// (total, weights, shares)
    static let allocations: [(Int128, [Int128], [Int128])] = [
        (10, [1, 2, 3, 4], [1, 2, 3, 4]),
        (7, [1, 2, 3, 4], [0, 1, 2, 4]),
        // 0, 0, 0 and the remainder 2: the first line takes what it can, the next the rest.
        (2, [1, 1, 1], [1, 1, 0]),
        // 0, 1, 1 and the remainder 2: the largest (first of the two) takes 1, the next 1.
        (4, [1, 2, 2], [0, 2, 2]),
        // More than the lines: capped at what they cost.
        (10, [1, 1, 1], [1, 1, 1]),
        (7, [0, 5, 0], [0, 5, 0]),
        (100, [3, 3], [3, 3]),
        (0, [3, 3], [0, 0]),
        (5, [], []),
        (5, [0, 0], [0, 0]),
    ]

    @Test(arguments: allocations)
    func allocatesExactly(total: Int128, weights: [Int128], shares: [Int128]) {
        #expect(ProRata.allocate(total, over: weights) == shares)
    }

    @Test func multipliesAndDividesWithoutOverflow() {
        let big = Int128(Int64.max) * 1_000
        #expect(ProRata.multiplyDivide(big, big, big) == big)
        #expect(ProRata.multiplyDivide(big, Int128(Int64.max), 1) == .max)
        #expect(ProRata.multiplyDivide(7, 3, 2) == 10)
        #expect(ProRata.multiplyDivide(17_480, 1, 1) == 17_480)
        #expect(ProRata.multiplyDivide(.max, 1, 1) == .max)
        #expect(ProRata.multiplyDivide(.max, 2, 2) == .max)
        #expect(ProRata.multiplyDivide(.max, 3, 2) == .max)
        #expect(ProRata.multiplyDivide(0, 3, 2) == 0)
    }
}
