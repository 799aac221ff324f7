import Foundation
import Testing

@testable import JifenCore

/// Every rule of moving a member between tiers, without a database: member / silver (2,000
/// yuan) / gold (5,000 yuan), a grace period of 30 days.
@Suite struct TierDecisionTests {
    static let tiers = TierRules(
        graceDays: 30,
        levels: [
            TierRules.Level(code: "member", name: "Member", threshold: 0),
            TierRules.Level(code: "silver", name: "Silver", threshold: 200_000),
            TierRules.Level(code: "gold", name: "Gold", threshold: 500_000),
        ]
    )
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var value: Int64
        var stored: String?
        var belowSince: Date?
        var allowDowngrade: Bool
        /// "up silver→gold", "down gold→member", or "keep silver" with the clock `clock`.
        var outcome: String
        var clock: Date? = nil

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "up at once", value: 250_000, stored: "member", allowDowngrade: false, outcome: "up member→silver"),
        Case(
            name: "up at once, also at the evaluation",
            value: 500_000,
            stored: "silver",
            allowDowngrade: true,
            outcome: "up silver→gold"
        ),
        Case(
            name: "up several levels at once",
            value: 600_000,
            stored: "member",
            allowDowngrade: false,
            outcome: "up member→gold"
        ),
        Case(
            name: "up from below its level, in grace",
            value: 510_000,
            stored: "silver",
            belowSince: daysAgo(10),
            allowDowngrade: false,
            outcome: "up silver→gold"
        ),
        Case(
            name: "at its level: the grace clock stops",
            value: 200_000,
            stored: "silver",
            belowSince: daysAgo(10),
            allowDowngrade: true,
            outcome: "keep silver"
        ),
        Case(name: "at its level, no clock", value: 0, stored: "member", allowDowngrade: true, outcome: "keep member"),
        Case(
            name: "below its level: the clock starts now",
            value: 150_000,
            stored: "silver",
            allowDowngrade: false,
            outcome: "keep silver",
            clock: now
        ),
        Case(
            name: "below at the evaluation, no clock yet: starts now, kept",
            value: 150_000,
            stored: "silver",
            allowDowngrade: true,
            outcome: "keep silver",
            clock: now
        ),
        Case(
            name: "below within grace: held, the clock unchanged",
            value: 150_000,
            stored: "silver",
            belowSince: daysAgo(29),
            allowDowngrade: true,
            outcome: "keep silver",
            clock: daysAgo(29)
        ),
        Case(
            name: "below past grace at the evaluation: down",
            value: 150_000,
            stored: "silver",
            belowSince: daysAgo(30),
            allowDowngrade: true,
            outcome: "down silver→member"
        ),
        Case(
            name: "below past grace outside the evaluation: held",
            value: 150_000,
            stored: "silver",
            belowSince: daysAgo(45),
            allowDowngrade: false,
            outcome: "keep silver",
            clock: daysAgo(45)
        ),
        Case(
            name: "down several levels at once",
            value: 10_000,
            stored: "gold",
            belowSince: daysAgo(31),
            allowDowngrade: true,
            outcome: "down gold→member"
        ),
        Case(
            name: "down to the level the metric reaches",
            value: 300_000,
            stored: "gold",
            belowSince: daysAgo(31),
            allowDowngrade: true,
            outcome: "down gold→silver"
        ),
        Case(
            name: "no stored tier: the base level, kept",
            value: 50_000,
            stored: nil,
            allowDowngrade: false,
            outcome: "keep member"
        ),
        Case(
            name: "no stored tier: up from the base",
            value: 200_000,
            stored: nil,
            allowDowngrade: true,
            outcome: "up member→silver"
        ),
        Case(
            name: "a level since removed counts as the base",
            value: 250_000,
            stored: "platinum",
            allowDowngrade: false,
            outcome: "up member→silver"
        ),
    ]

    @Test(arguments: cases)
    func decides(_ c: Case) {
        let decision = TierDecision.decide(
            tiers: Self.tiers,
            value: c.value,
            storedCode: c.stored,
            belowSince: c.belowSince,
            now: Self.now,
            allowDowngrade: c.allowDowngrade
        )
        switch decision {
        case .move(let from, let to, let direction):
            #expect("\(direction.rawValue) \(from.code)→\(to.code)" == c.outcome)
        case .keep(let level, let belowSince):
            #expect("keep \(level.code)" == c.outcome)
            #expect(belowSince == c.clock)
        }
    }

    @Test func withoutAGracePeriodTheEvaluationMovesDownAtOnce() {
        let tiers = TierRules(graceDays: 0, levels: Self.tiers.levels)
        let evaluation = TierDecision.decide(
            tiers: tiers,
            value: 0,
            storedCode: "silver",
            belowSince: nil,
            now: Self.now,
            allowDowngrade: true
        )
        #expect(evaluation == .move(from: tiers.levels[1], to: tiers.levels[0], direction: .down))
        // An order's look never moves down, grace or not.
        let order = TierDecision.decide(
            tiers: tiers,
            value: 0,
            storedCode: "silver",
            belowSince: nil,
            now: Self.now,
            allowDowngrade: false
        )
        #expect(order == .keep(tiers.levels[1], belowSince: Self.now))
    }
}
