import Foundation
import Testing

@testable import JifenCore

/// Installment plans, top-up offers and the wallet rules, with the seed offers in exact
/// minor units.
@Suite struct TopUpOfferTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let plusFive = TopUpOffer(
        code: "500-plus-500",
        minimumAmount: 50000,
        bonus: 50000,
        installments: 10,
        period: .week
    )
    static let plusTwo = TopUpOffer(
        code: "200-plus-200",
        minimumAmount: 20000,
        bonus: 20000,
        installments: 5,
        period: .month
    )

    struct SplitCase: Sendable, CustomTestStringConvertible {
        var total: Int64
        var count: Int
        var remainderFirst: Bool
        var amounts: [Int64]
        var testDescription: String { "\(total) in \(count), remainder \(remainderFirst ? "first" : "last")" }
    }

    @Test(arguments: [
        SplitCase(total: 100, count: 3, remainderFirst: true, amounts: [34, 33, 33]),
        SplitCase(total: 100, count: 3, remainderFirst: false, amounts: [33, 33, 34]),
        SplitCase(total: 200, count: 3, remainderFirst: true, amounts: [67, 67, 66]),
        SplitCase(total: 200, count: 3, remainderFirst: false, amounts: [66, 67, 67]),
        SplitCase(total: 10, count: 4, remainderFirst: false, amounts: [2, 2, 3, 3]),
        SplitCase(total: 5, count: 5, remainderFirst: false, amounts: [1, 1, 1, 1, 1]),
        SplitCase(total: 50000, count: 1, remainderFirst: true, amounts: [50000]),
        SplitCase(total: 7, count: 0, remainderFirst: true, amounts: []),
        SplitCase(total: -7, count: 2, remainderFirst: true, amounts: []),
    ])
    func splitsExactly(_ c: SplitCase) {
        let plan = InstallmentPlan.plan(
            total: c.total,
            count: c.count,
            period: .week,
            start: ExpiryRulesTests.instant("2027-01-01T00:00:00Z"),
            remainderFirst: c.remainderFirst,
            in: .gmt
        )
        #expect(plan.map(\.amount) == c.amounts)
        #expect(plan.map(\.number) == Array(1...max(1, c.count)).prefix(plan.count).map { $0 })
    }

    @Test func fiveHundredPlusFiveHundredPays5000AWeekForTenWeeks() {
        let paidAt = ExpiryRulesTests.instant("2027-01-31T10:00:00+08:00")
        let seeds = WalletRules(offers: [Self.plusTwo, Self.plusFive])
        #expect(seeds.bestOffer(for: 50000) == Self.plusFive)
        #expect(seeds.bestOffer(for: 49999) == Self.plusTwo)
        let plan = Self.plusFive.plan(paidAt: paidAt, in: Self.shanghai)
        #expect(plan.count == 10)
        #expect(plan.allSatisfy { $0.amount == 5000 })
        #expect(plan.map(\.number) == Array(1...10))
        #expect(plan.map(\.dueAt) == (0..<10).map { paidAt.addingTimeInterval(Double($0) * 7 * 86_400) })
        #expect(plan.first?.dueAt == paidAt)
    }

    @Test func twoHundredPlusTwoHundredPays4000AMonthByTheShanghaiCalendar() {
        // 00:30 on 31 January in Shanghai is still 30 January in UTC: the months must count
        // in Shanghai, falling on the last day of shorter months.
        let paidAt = ExpiryRulesTests.instant("2027-01-31T00:30:00+08:00")
        let plan = Self.plusTwo.plan(paidAt: paidAt, in: Self.shanghai)
        #expect(plan.map(\.amount) == [4000, 4000, 4000, 4000, 4000])
        #expect(
            plan.map(\.dueAt)
                == [
                    "2027-01-31T00:30:00+08:00", "2027-02-28T00:30:00+08:00", "2027-03-31T00:30:00+08:00",
                    "2027-04-30T00:30:00+08:00", "2027-05-31T00:30:00+08:00",
                ].map(ExpiryRulesTests.instant)
        )
        // The UTC calendar would count from 30 January and put the second one on 1 March in
        // Shanghai, a day late and in the wrong month.
        let inUTC = Self.plusTwo.plan(paidAt: paidAt, in: .gmt)
        #expect(inUTC[1].dueAt == ExpiryRulesTests.instant("2027-03-01T00:30:00+08:00"))
        #expect(inUTC[1].dueAt == plan[1].dueAt.addingTimeInterval(86_400))
    }

    @Test func scheduleDraftPlansExactlyLikeTheSharedPlan() throws {
        #expect(ScheduleDraft.Period(rawValue: "week") == .week)
        #expect(ScheduleDraft.Period.allCases == [.week, .month])
        let start = ExpiryRulesTests.instant("2027-01-31T02:00:00Z")
        for period in ScheduleDraft.Period.allCases {
            for (total, count) in [(Int64(200), 3), (1_000_000_000, 120), (7, 7), (121, 120)] {
                let draft = ScheduleDraft(
                    total: total,
                    installments: count,
                    period: period,
                    start: start,
                    reason: "top_up",
                    sourceReference: nil
                )
                let shared = InstallmentPlan.plan(
                    total: total,
                    count: count,
                    period: period,
                    start: start,
                    remainderFirst: true,
                    in: Self.shanghai
                )
                let planned = draft.plan(in: Self.shanghai)
                #expect(planned.map(\.points) == shared.map(\.amount))
                #expect(planned.map(\.dueAt) == shared.map(\.dueAt))
                #expect(planned.map(\.number) == shared.map(\.number))
                #expect(planned.reduce(0) { $0 + $1.points } == total)
            }
        }
    }

    @Test func hostileTotalsSplitWithoutTrapping() {
        let plan = InstallmentPlan.plan(
            total: .max,
            count: 120,
            period: .month,
            start: Date(timeIntervalSince1970: 0),
            remainderFirst: false,
            in: Self.shanghai
        )
        #expect(plan.count == 120)
        #expect(plan.reduce(Int128(0)) { $0 + Int128($1.amount) } == Int128(Int64.max))
        let hostile = TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, bonusExpiresDays: .max)
        #expect(hostile.bonusExpiresAt(paidAt: Date(timeIntervalSince1970: 0), in: .gmt) != nil)
    }

    @Test func bonusExpiresCalendarDaysAfterEachPayment() {
        let paidAt = ExpiryRulesTests.instant("2027-01-31T00:30:00+08:00")
        let offer = TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, bonusExpiresDays: 30)
        #expect(
            offer.bonusExpiresAt(paidAt: paidAt, in: Self.shanghai)
                == ExpiryRulesTests.instant("2027-03-02T00:30:00+08:00")
        )
        #expect(Self.plusFive.bonusExpiresAt(paidAt: paidAt, in: Self.shanghai) == nil)
    }

    static let rules = WalletRules(offers: [
        TopUpOffer(code: "100-plus-10", minimumAmount: 10000, bonus: 1000),
        plusTwo,
        plusFive,
        TopUpOffer(code: "500-plus-600", minimumAmount: 50000, bonus: 60000),
        TopUpOffer(code: "500-plus-600-again", minimumAmount: 50000, bonus: 60000, installments: 2),
        TopUpOffer(code: "1000-plus-800", minimumAmount: 100_000, bonus: 80000),
    ])

    @Test(arguments: [
        (Int64(9999), String?.none),
        (10000, "100-plus-10"),
        (19999, "100-plus-10"),
        (20000, "200-plus-200"),
        (49999, "200-plus-200"),
        // Three offers start at 500: the larger bonus, then the one listed first.
        (50000, "500-plus-600"),
        (99999, "500-plus-600"),
        (100_000, "1000-plus-800"),
        (Int64.max, "1000-plus-800"),
        (0, nil),
        (-50000, nil),
    ])
    func choosesTheBestOffer(amount: Int64, code: String?) {
        #expect(Self.rules.bestOffer(for: amount)?.code == code)
    }

    @Test func equalOffersGoToTheOneListedFirst() {
        let reversed = WalletRules(offers: Self.rules.offers.reversed())
        #expect(reversed.bestOffer(for: 50000)?.code == "500-plus-600-again")
        #expect(reversed.bestOffer(for: 20000)?.code == "200-plus-200")
        #expect(WalletRules().bestOffer(for: 50000) == nil)
    }

    @Test(arguments: [
        ("500-plus-500", true), ("plus500", true), ("a", true), ("9", true), ("x_1.2-3", true),
        ("", false), ("-500", false), ("_x", false), (".x", false), ("Plus", false), ("500 plus", false),
        ("满500送500", false), (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false),
    ])
    func offerCodesAreIdentifiersThatMayStartWithADigit(code: String, valid: Bool) {
        #expect(TopUpOffer.isValidCode(code) == valid)
    }

    static func fields(_ rules: WalletRules) -> [String] {
        var v = Validator()
        rules.validate(into: &v)
        return v.errors.map(\.field)
    }

    @Test(arguments: [
        (TopUpOffer(code: "Plus", minimumAmount: 1, bonus: 1), "wallet.offers[0].code"),
        (TopUpOffer(code: "", minimumAmount: 1, bonus: 1), "wallet.offers[0].code"),
        (TopUpOffer(code: "x", minimumAmount: 0, bonus: 1), "wallet.offers[0].minimum_amount"),
        (TopUpOffer(code: "x", minimumAmount: Money.maxMinorUnits + 1, bonus: 1), "wallet.offers[0].minimum_amount"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 0), "wallet.offers[0].bonus"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: .max), "wallet.offers[0].bonus"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, installments: 0), "wallet.offers[0].installments"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 1000, installments: 121), "wallet.offers[0].installments"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 9, installments: 10), "wallet.offers[0].installments"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, installments: .min), "wallet.offers[0].installments"),
        (TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, bonusExpiresDays: 0), "wallet.offers[0].bonus_expires_days"),
        (
            TopUpOffer(code: "x", minimumAmount: 1, bonus: 1, bonusExpiresDays: 3651),
            "wallet.offers[0].bonus_expires_days"
        ),
    ])
    func anInvalidOfferNamesItsField(offer: TopUpOffer, field: String) {
        #expect(Self.fields(WalletRules(offers: [offer])) == [field])
    }

    @Test func rulesValidateAsAWhole() {
        #expect(Self.fields(Self.rules).isEmpty)
        #expect(Self.fields(WalletRules()).isEmpty)
        let edge = TopUpOffer(
            code: "edge",
            minimumAmount: Money.maxMinorUnits,
            bonus: 120,
            installments: 120,
            bonusExpiresDays: 3650
        )
        #expect(Self.fields(WalletRules(offers: [edge], remindDaysBefore: 365)).isEmpty)
        #expect(Self.fields(WalletRules(offers: [Self.plusTwo, Self.plusTwo])) == ["wallet.offers[1].code"])
        #expect(Self.fields(WalletRules(remindDaysBefore: -1)) == ["wallet.remind_days_before"])
        #expect(Self.fields(WalletRules(remindDaysBefore: 366)) == ["wallet.remind_days_before"])
        let many = (0...20).map { TopUpOffer(code: "o\($0)", minimumAmount: 1, bonus: 1) }
        #expect(Self.fields(WalletRules(offers: many)) == ["wallet.offers"])
        #expect(Self.fields(WalletRules(offers: Array(many.prefix(20)))).isEmpty)
    }

    @Test func decodingFillsTheDefaults() throws {
        let empty = try JSONDecoder().decode(WalletRules.self, from: Data("{}".utf8))
        #expect(empty == WalletRules())
        #expect(empty.spendingOrder == .bonusFirst && empty.refundPolicy == .deductSpentBonus)
        #expect(empty.remindDaysBefore == 3 && empty.offers.isEmpty)
        let json = #"""
            {"spending_order":"proportional","refund_policy":"forgive","remind_days_before":0,
             "offers":[{"code":"200-plus-200","minimum_amount":20000,"bonus":20000},
                       {"code":"500-plus-500","minimum_amount":50000,"bonus":50000,"installments":10,
                        "period":"week","remainder_first":false,"bonus_expires_days":90}]}
            """#
        let rules = try JSONDecoder().decode(WalletRules.self, from: Data(json.utf8))
        #expect(rules.spendingOrder == .proportional && rules.refundPolicy == .forgive && rules.remindDaysBefore == 0)
        #expect(rules.offers[0] == TopUpOffer(code: "200-plus-200", minimumAmount: 20000, bonus: 20000))
        #expect(rules.offers[0].installments == 1 && rules.offers[0].period == .month && rules.offers[0].remainderFirst)
        #expect(
            rules.offers[1]
                == TopUpOffer(
                    code: "500-plus-500",
                    minimumAmount: 50000,
                    bonus: 50000,
                    installments: 10,
                    period: .week,
                    remainderFirst: false,
                    bonusExpiresDays: 90
                )
        )
        let again = try JSONDecoder().decode(WalletRules.self, from: JSONEncoder().encode(rules))
        #expect(again == rules)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(
            String(decoding: try encoder.encode(Self.plusTwo), as: UTF8.self)
                == #"{"bonus":20000,"code":"200-plus-200","installments":5,"minimum_amount":20000,"period":"month","remainder_first":true}"#
        )
    }
}
