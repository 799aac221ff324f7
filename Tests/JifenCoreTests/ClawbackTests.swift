import Foundation
import Testing

@testable import JifenCore

/// Runs `body` and returns the `JifenError` it threw, or nil if it threw nothing (or another type).
private func thrownError(_ body: () throws -> Void) -> JifenError? {
    do {
        try body()
        return nil
    } catch {
        return error as? JifenError
    }
}

@Suite struct ClawbackTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var earned: Int64
        var alreadyClawedBack: Int64 = 0
        var share: Clawback.Share
        var completesOrder = false
        var expected: Int64

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // 259 × 30/100 = 77.7 → floor 77 (in the member's favour).
        Case(name: "30% refund of 259 takes 77", earned: 259, share: .init(amount: 3_000, of: 10_000), expected: 77),
        // 259 × 50/100 = 129.5 → floor 129.
        Case(
            name: "first 50% refund of 259 takes 129",
            earned: 259,
            share: .init(amount: 5_000, of: 10_000),
            expected: 129
        ),
        // The second half completes the order: all that is left, 259 − 129 = 130.
        Case(
            name: "second 50% refund completing the order takes the remaining 130",
            earned: 259,
            alreadyClawedBack: 129,
            share: .init(amount: 5_000, of: 10_000),
            completesOrder: true,
            expected: 130
        ),
        // Without the completing flag the second half would also floor to 129: one point would stay.
        Case(
            name: "second 50% refund not flagged as completing still floors",
            earned: 259,
            alreadyClawedBack: 129,
            share: .init(amount: 5_000, of: 10_000),
            expected: 129
        ),
        // Completing takes all left, whatever its own share: 259 − 77 = 182.
        Case(
            name: "completing refund takes all that is left",
            earned: 259,
            alreadyClawedBack: 77,
            share: .init(amount: 1_000, of: 10_000),
            completesOrder: true,
            expected: 182
        ),
        // 259 already taken back → 0 left.
        Case(
            name: "already fully clawed back takes nothing",
            earned: 259,
            alreadyClawedBack: 259,
            share: .init(amount: 5_000, of: 10_000),
            expected: 0
        ),
        // Completing, but 0 left → 0.
        Case(
            name: "already fully clawed back and completing takes nothing",
            earned: 259,
            alreadyClawedBack: 259,
            share: .init(amount: 5_000, of: 10_000),
            completesOrder: true,
            expected: 0
        ),
        // More clawed back than earned: max(0, 259 − 300) = 0, never negative.
        Case(
            name: "over-clawed order takes nothing",
            earned: 259,
            alreadyClawedBack: 300,
            share: .init(amount: 5_000, of: 10_000),
            completesOrder: true,
            expected: 0
        ),
        // x / 0 is no share at all → 0.
        Case(name: "zero denominator takes nothing", earned: 259, share: .init(amount: 100, of: 0), expected: 0),
        // 0 / 100 → 0.
        Case(name: "zero numerator takes nothing", earned: 259, share: .init(amount: 0, of: 10_000), expected: 0),
        // 150/100 is capped at 100/100: 259, not 388.
        Case(
            name: "numerator larger than denominator is capped at the whole",
            earned: 259,
            share: .init(amount: 15_000, of: 10_000),
            expected: 259
        ),
        // Capped at the whole = 259, but only 259 − 100 = 159 are left.
        Case(
            name: "capped share never takes more than is left",
            earned: 259,
            alreadyClawedBack: 100,
            share: .init(amount: 15_000, of: 10_000),
            expected: 159
        ),
        // 100/100 of 259 = 259.
        Case(
            name: "whole refund takes everything",
            earned: 259,
            share: .init(amount: 10_000, of: 10_000),
            expected: 259
        ),
        // 2 × 1/3 = 0.67 → floor 0.
        Case(name: "a sliver of a small award floors to zero", earned: 2, share: .init(amount: 1, of: 3), expected: 0),
        // Nothing earned → nothing to take back.
        Case(name: "nothing earned takes nothing", earned: 0, share: .init(amount: 5_000, of: 10_000), expected: 0),
    ]

    @Test(arguments: cases)
    func points(_ c: Case) {
        let points = Clawback.points(
            earned: c.earned,
            alreadyClawedBack: c.alreadyClawedBack,
            share: c.share,
            completesOrder: c.completesOrder
        )
        #expect(points == c.expected)
    }

    @Test func twoHalvesSumToExactlyWhatWasEarned() {
        let half = Clawback.Share(amount: 5_000, of: 10_000)
        // 259 × 1/2 = 129.5 → 129.
        let first = Clawback.points(earned: 259, alreadyClawedBack: 0, share: half, completesOrder: false)
        // The rest: 259 − 129 = 130.
        let second = Clawback.points(earned: 259, alreadyClawedBack: first, share: half, completesOrder: true)
        #expect(first == 129)
        #expect(second == 130)
        #expect(first + second == 259)
    }

    @Test func threeThirdsSumToExactlyWhatWasEarned() {
        let third = Clawback.Share(amount: 1, of: 3)
        // 100 × 1/3 = 33.3 → 33, twice; the completing third takes 100 − 66 = 34.
        let first = Clawback.points(earned: 100, alreadyClawedBack: 0, share: third, completesOrder: false)
        let second = Clawback.points(earned: 100, alreadyClawedBack: first, share: third, completesOrder: false)
        let last = Clawback.points(earned: 100, alreadyClawedBack: first + second, share: third, completesOrder: true)
        #expect([first, second, last] == [33, 33, 34])
    }

    // MARK: Line shares

    static let shirt = OrderLine(sku: "SHIRT", category: "apparel", quantity: 1, unitAmount: 20_000)
    static let shipping = OrderLine(sku: "SHIP", category: "shipping", quantity: 1, unitAmount: 1_000)

    @Test func refundingOnlyTheExcludedShippingLineTakesNothing() {
        let rules = EarningRules(excludedCategories: ["shipping"])
        // Shipping weighs 1 000 × 0 % = 0 of the order's 20 000 × 100 % + 0 = 2 000 000.
        let share = Clawback.Share(
            rules.weight(of: [Self.shipping]),
            of: rules.weight(of: [Self.shirt, Self.shipping])
        )
        #expect(share.numerator == 0)
        #expect(share.denominator == 2_000_000)
        #expect(Clawback.points(earned: 200, alreadyClawedBack: 0, share: share, completesOrder: false) == 0)
    }

    @Test func refundingTheShirtTakesEverythingItEarned() {
        let rules = EarningRules(excludedCategories: ["shipping"])
        // Shirt 2 000 000 of 2 000 000 → all 200 points, though it is only 200.00 of the 210.00 paid.
        let share = Clawback.Share(rules.weight(of: [Self.shirt]), of: rules.weight(of: [Self.shirt, Self.shipping]))
        #expect(Clawback.points(earned: 200, alreadyClawedBack: 0, share: share, completesOrder: false) == 200)
    }

    @Test func lineShareFollowsMultipliers() {
        let rules = EarningRules(multipliers: [.init(category: "promo", percent: 200)])
        let promo = OrderLine(sku: "A", category: "promo", quantity: 1, unitAmount: 10_000)
        let plain = OrderLine(sku: "B", quantity: 1, unitAmount: 10_000)
        // Weights: promo 10 000 × 200 = 2 000 000, plain 10 000 × 100 = 1 000 000; of 300 points,
        // refunding the plain line takes 300 × 1/3 = 100, the promo line 300 × 2/3 = 200.
        let all = rules.weight(of: [promo, plain])
        #expect(all == 3_000_000)
        let plainShare = Clawback.Share(rules.weight(of: [plain]), of: all)
        let promoShare = Clawback.Share(rules.weight(of: [promo]), of: all)
        #expect(Clawback.points(earned: 300, alreadyClawedBack: 0, share: plainShare, completesOrder: false) == 100)
        #expect(Clawback.points(earned: 300, alreadyClawedBack: 0, share: promoShare, completesOrder: false) == 200)
    }
}

@Suite struct RedemptionRulesTests {
    @Test func belowTheMinimumIsRefused() {
        let rules = RedemptionRules(minimumPoints: 500)
        let error = thrownError { _ = try rules.check(points: 499, orderTotal: nil) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.map(\.field) == ["points"])
    }

    @Test(arguments: [0, -1] as [Int64])
    func zeroOrNegativePointsAreRefusedEvenWithoutAMinimum(points: Int64) {
        // minimumPoints 0 still means at least 1.
        let rules = RedemptionRules(minimumPoints: 0)
        let error = thrownError { _ = try rules.check(points: points, orderTotal: nil) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.map(\.field) == ["points"])
    }

    @Test func atTheMinimumIsAccepted() throws {
        // 500 points at 100 points = 100 minor units → 500.
        #expect(try RedemptionRules(minimumPoints: 500).check(points: 500, orderTotal: nil) == 500)
    }

    @Test func returnsTheValue() throws {
        // 250 points × 100 / 100 = 250 minor units.
        #expect(try RedemptionRules(points: 100, amount: 100).check(points: 250, orderTotal: nil) == 250)
    }

    @Test func refusesMoreThanTheOrderShare() {
        // 50 % of 1 000 = 500; 600 points are worth 600 > 500.
        let rules = RedemptionRules(maxOrderSharePercent: 50)
        let error = thrownError { _ = try rules.check(points: 600, orderTotal: 1_000) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.map(\.field) == ["points"])
    }

    @Test func acceptsExactlyTheOrderShare() throws {
        // 500 points are worth 500 == 50 % of 1 000.
        #expect(try RedemptionRules(maxOrderSharePercent: 50).check(points: 500, orderTotal: 1_000) == 500)
    }

    @Test func withoutAnOrderTotalTheShareIsNotChecked() throws {
        #expect(try RedemptionRules(maxOrderSharePercent: 50).check(points: 600, orderTotal: nil) == 600)
    }

    @Test func refusesANegativeOrderTotal() {
        let error = thrownError { _ = try RedemptionRules().check(points: 100, orderTotal: -1) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.map(\.field) == ["order_total"])
    }

    @Test func namesEveryProblemAtOnce() {
        // 2 000 points are below the minimum of 5 000, and worth 2 000 > 50 % of 1 000 = 500:
        // both are reported, each under "points".
        let rules = RedemptionRules(minimumPoints: 5_000, maxOrderSharePercent: 50)
        let error = thrownError { _ = try rules.check(points: 2_000, orderTotal: 1_000) }
        #expect(error?.fieldErrors.map(\.field) == ["points", "points"])
    }

    struct ValueCase: Sendable, CustomTestStringConvertible {
        var name: String
        var rules: RedemptionRules
        var points: Int64
        var expected: Int64

        var testDescription: String { name }
    }

    static let valueCases: [ValueCase] = [
        // 250 × 100 / 100 = 250.
        ValueCase(
            name: "100 points = 100 minor units",
            rules: RedemptionRules(points: 100, amount: 100),
            points: 250,
            expected: 250
        ),
        // 150 × 1 / 100 = 1.5 → floor 1.
        ValueCase(
            name: "100 points = 1 minor unit, floor",
            rules: RedemptionRules(points: 100, amount: 1),
            points: 150,
            expected: 1
        ),
        // 99 × 1 / 100 = 0.99 → 0.
        ValueCase(
            name: "less than a minor unit is worth nothing",
            rules: RedemptionRules(points: 100, amount: 1),
            points: 99,
            expected: 0
        ),
        // 10 × 2 / 3 = 6.67 → floor 6.
        ValueCase(
            name: "3 points = 2 minor units, floor",
            rules: RedemptionRules(points: 3, amount: 2),
            points: 10,
            expected: 6
        ),
        // 0 points → 0.
        ValueCase(name: "zero points are worth nothing", rules: RedemptionRules(), points: 0, expected: 0),
        // A redemption rate of 0 points guards the division → 0.
        ValueCase(
            name: "a rate of 0 points is worth nothing",
            rules: RedemptionRules(points: 0, amount: 100),
            points: 500,
            expected: 0
        ),
        // An amount of 0 → 0.
        ValueCase(
            name: "an amount of 0 is worth nothing",
            rules: RedemptionRules(points: 100, amount: 0),
            points: 500,
            expected: 0
        ),
    ]

    @Test(arguments: valueCases)
    func value(_ c: ValueCase) {
        #expect(c.rules.value(of: c.points) == c.expected)
    }
}

@Suite struct ActivityRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var dailyLimit: Int64?
        var lifetimeLimit: Int64?
        var rewardedToday: Int64
        var rewardedEver: Int64
        var points: Int64
        var refusal: ActivityRule.Refusal?

        var testDescription: String { name }
    }

    // The rule is worth 10 points in every case.
    static let cases: [Case] = [
        Case(name: "no limits", rewardedToday: 1_000, rewardedEver: 1_000, points: 10),
        Case(name: "under the daily limit", dailyLimit: 3, rewardedToday: 2, rewardedEver: 2, points: 10),
        Case(
            name: "daily limit reached",
            dailyLimit: 3,
            rewardedToday: 3,
            rewardedEver: 3,
            points: 0,
            refusal: .dailyLimitReached
        ),
        Case(
            name: "daily limit of 0 refuses all",
            dailyLimit: 0,
            rewardedToday: 0,
            rewardedEver: 0,
            points: 0,
            refusal: .dailyLimitReached
        ),
        Case(name: "under the lifetime limit", lifetimeLimit: 1, rewardedToday: 0, rewardedEver: 0, points: 10),
        Case(
            name: "lifetime limit reached",
            lifetimeLimit: 1,
            rewardedToday: 0,
            rewardedEver: 1,
            points: 0,
            refusal: .lifetimeLimitReached
        ),
        // Both reached: the lifetime one is the reason, since tomorrow will not help.
        Case(
            name: "both limits reached reports the lifetime limit",
            dailyLimit: 1,
            lifetimeLimit: 5,
            rewardedToday: 1,
            rewardedEver: 5,
            points: 0,
            refusal: .lifetimeLimitReached
        ),
        Case(
            name: "daily reached, lifetime not",
            dailyLimit: 1,
            lifetimeLimit: 5,
            rewardedToday: 1,
            rewardedEver: 4,
            points: 0,
            refusal: .dailyLimitReached
        ),
        Case(
            name: "neither limit reached",
            dailyLimit: 2,
            lifetimeLimit: 5,
            rewardedToday: 1,
            rewardedEver: 4,
            points: 10
        ),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: Case) {
        let rule = ActivityRule(type: "review", points: 10, dailyLimit: c.dailyLimit, lifetimeLimit: c.lifetimeLimit)
        let result = rule.evaluate(rewardedToday: c.rewardedToday, rewardedEver: c.rewardedEver)
        #expect(result.points == c.points)
        #expect(result.refusal == c.refusal)
    }
}

@Suite struct RoundingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var numerator: Int128
        var denominator: Int128
        var floor: Int128
        var nearest: Int128
        var ceiling: Int128

        var testDescription: String { "\(numerator)/\(denominator)" }
    }

    static let cases: [Case] = [
        // 0/5 = 0.
        Case(numerator: 0, denominator: 5, floor: 0, nearest: 0, ceiling: 0),
        // 6/3 = 2 exactly.
        Case(numerator: 6, denominator: 3, floor: 2, nearest: 2, ceiling: 2),
        // 1/3 = 0.33.
        Case(numerator: 1, denominator: 3, floor: 0, nearest: 0, ceiling: 1),
        // 2/3 = 0.67.
        Case(numerator: 2, denominator: 3, floor: 0, nearest: 1, ceiling: 1),
        // 1/2 = 0.5: halves up.
        Case(numerator: 1, denominator: 2, floor: 0, nearest: 1, ceiling: 1),
        // 7/2 = 3.5.
        Case(numerator: 7, denominator: 2, floor: 3, nearest: 4, ceiling: 4),
        // 4/3 = 1.33.
        Case(numerator: 4, denominator: 3, floor: 1, nearest: 1, ceiling: 2),
        // 25 999/100 = 259.99.
        Case(numerator: 25_999, denominator: 100, floor: 259, nearest: 260, ceiling: 260),
        // 5/1 = 5.
        Case(numerator: 5, denominator: 1, floor: 5, nearest: 5, ceiling: 5),
        // (10^30 + 5)/10 = 10^29 + 0.5, beyond Int64.
        Case(
            numerator: 1_000_000_000_000_000_000_000_000_000_005,
            denominator: 10,
            floor: 100_000_000_000_000_000_000_000_000_000,
            nearest: 100_000_000_000_000_000_000_000_000_001,
            ceiling: 100_000_000_000_000_000_000_000_000_001
        ),
    ]

    @Test(arguments: cases)
    func divide(_ c: Case) {
        #expect(Rounding.floor.divide(c.numerator, by: c.denominator) == c.floor)
        #expect(Rounding.nearest.divide(c.numerator, by: c.denominator) == c.nearest)
        #expect(Rounding.ceiling.divide(c.numerator, by: c.denominator) == c.ceiling)
    }
}

@Suite struct ProgramTests {
    @Test func defaultProgramIsValid() throws {
        try Program.default.validate()
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var name: String
        var program: Program
        var fields: [String]

        var testDescription: String { name }
    }

    static func program(_ change: (inout Program) -> Void) -> Program {
        var program = Program.default
        change(&program)
        return program
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(name: "unknown time zone", program: program { $0.timeZone = "Mars/Base" }, fields: ["time_zone"]),
        InvalidCase(name: "rate per 0", program: program { $0.earning.rate.per = 0 }, fields: ["earning.rate.per"]),
        InvalidCase(
            name: "negative rate points",
            program: program { $0.earning.rate.points = -1 },
            fields: ["earning.rate.points"]
        ),
        InvalidCase(
            name: "multiplier naming both sku and category",
            program: program { $0.earning.multipliers = [.init(sku: "A1", category: "promo", percent: 200)] },
            fields: ["earning.multipliers[0]"]
        ),
        InvalidCase(
            name: "multiplier naming neither sku nor category",
            program: program {
                $0.earning.multipliers = [.init(sku: "A1", percent: 200), .init(percent: 200)]
            },
            fields: ["earning.multipliers[1]"]
        ),
        InvalidCase(
            name: "multiplier above 10 000 %",
            program: program { $0.earning.multipliers = [.init(category: "promo", percent: 10_001)] },
            fields: ["earning.multipliers[0].percent"]
        ),
        InvalidCase(
            name: "duplicate activity type",
            program: program {
                $0.activities = [ActivityRule(type: "review", points: 10), ActivityRule(type: "review", points: 20)]
            },
            fields: ["activities[1].type"]
        ),
        InvalidCase(
            name: "invalid activity type",
            program: program { $0.activities = [ActivityRule(type: "Review!", points: 10)] },
            fields: ["activities[0].type"]
        ),
        InvalidCase(
            name: "redemption share above 100 %",
            program: program { $0.redemption.maxOrderSharePercent = 101 },
            fields: ["redemption.max_order_share_percent"]
        ),
        InvalidCase(
            name: "pending days above ten years",
            program: program { $0.pendingDays = 3_651 },
            fields: ["pending_days"]
        ),
        InvalidCase(
            name: "every invalid setting is named at once",
            program: program {
                $0.timeZone = "Mars/Base"
                $0.earning.rate.per = 0
            },
            fields: ["time_zone", "earning.rate.per"]
        ),
    ]

    @Test(arguments: invalidCases)
    func invalidProgramIsRefused(_ c: InvalidCase) {
        let error = thrownError { try c.program.validate() }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.map(\.field) == c.fields)
    }

    @Test func validNonDefaultProgram() throws {
        try Self.nonDefault.validate()
    }

    @Test func dayInShanghai() throws {
        let program = Program(timeZone: "Asia/Shanghai")
        // 2026-11-30T17:30Z is 2026-12-01 01:30 in Shanghai (UTC+8): that local day starts at
        // 2026-12-01 00:00 local = 2026-11-30T16:00Z and lasts 24 h.
        let day = program.day(containing: try Self.date("2026-11-30T17:30:00Z"))
        #expect(day.start == (try Self.date("2026-11-30T16:00:00Z")))
        #expect(day.end == (try Self.date("2026-12-01T16:00:00Z")))
        #expect(day.duration == 86_400)

        // One second before 16:00Z is still the previous local day (2026-11-30 23:59:59 local).
        let before = program.day(containing: try Self.date("2026-11-30T15:59:59Z"))
        #expect(before.start == (try Self.date("2026-11-29T16:00:00Z")))
    }

    @Test func dayInUTC() throws {
        let day = Program.default.day(containing: try Self.date("2026-11-30T17:30:00Z"))
        #expect(day.start == (try Self.date("2026-11-30T00:00:00Z")))
        #expect(day.duration == 86_400)
    }

    @Test func decodingAnEmptyObjectGivesTheDefault() throws {
        let program = try JSONDecoder().decode(Program.self, from: Data("{}".utf8))
        #expect(program == Program.default)
    }

    @Test func decodesSnakeCaseKeysAndKeepsDefaultsForTheRest() throws {
        let json = """
            {"time_zone": "Asia/Shanghai", "pending_days": 14,
             "earning": {"rate": {"points": 1, "per": 10}, "excluded_categories": ["shipping"]},
             "redemption": {"max_order_share_percent": 50}}
            """
        let program = try JSONDecoder().decode(Program.self, from: Data(json.utf8))
        var expected = Program.default
        expected.timeZone = "Asia/Shanghai"
        expected.pendingDays = 14
        expected.earning.rate = .init(points: 1, per: 10)
        expected.earning.excludedCategories = ["shipping"]
        expected.redemption.maxOrderSharePercent = 50
        #expect(program == expected)
    }

    static let nonDefault = Program(
        version: 3,
        currency: try! Currency("CNY"),
        timeZone: "Asia/Shanghai",
        earning: EarningRules(
            rate: .init(points: 3, per: 10),
            rounding: .nearest,
            minimumOrderAmount: 5_000,
            excludedCategories: ["shipping", "gift_card"],
            multipliers: [.init(sku: "A1", percent: 300), .init(category: "promo", percent: 200)],
            firstOrderBonus: 50,
            maxPointsPerOrder: 1_000,
            maxPointsPerMemberPerDay: 2_000
        ),
        pendingDays: 14,
        redemption: RedemptionRules(
            points: 200,
            amount: 100,
            minimumPoints: 500,
            maxOrderSharePercent: 50,
            holdMinutes: 30
        ),
        clawback: .stopAtZero,
        activities: [
            ActivityRule(type: "review", points: 10, dailyLimit: 3, lifetimeLimit: 100, pendingDays: 7),
            ActivityRule(type: "sign_up", points: 100),
        ]
    )

    @Test func codableRoundTrip() throws {
        #expect(Self.nonDefault != Program.default)
        let data = try JSONEncoder().encode(Self.nonDefault)
        let decoded = try JSONDecoder().decode(Program.self, from: data)
        #expect(decoded == Self.nonDefault)
    }

    static func date(_ text: String) throws -> Date {
        try Date(text, strategy: .iso8601)
    }
}
