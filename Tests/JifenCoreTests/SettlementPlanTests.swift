import Foundation
import Testing

@testable import JifenCore

/// Every rule of settling an order, without a database: what an order in each state gets done.
@Suite struct SettlementPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: OrderStatus
        var scored: Bool
        var hasRefunds: Bool
        /// cancelSchedules, award, growByAward, recomputeGrowth, applyRefunds, reverseRest
        var steps: String

        var testDescription: String { "\(status.rawValue), scored \(scored), refunds \(hasRefunds) → \(steps)" }
    }

    static let cases: [Case] = [
        // Paid and new: scored, and the member grows by it.
        Case(status: .paid, scored: false, hasRefunds: false, steps: "award growByAward"),
        // Paid again (a second job): nothing at all.
        Case(status: .paid, scored: true, hasRefunds: false, steps: ""),
        // Placed, not paid: nothing yet.
        Case(status: .placed, scored: false, hasRefunds: false, steps: ""),
        // Cancelled or refunded before it was scored: never earns; a staged bonus stops.
        Case(status: .cancelled, scored: false, hasRefunds: false, steps: "cancelSchedules"),
        Case(status: .refunded, scored: false, hasRefunds: true, steps: "cancelSchedules"),
        // Partly refunded before scoring: scored, then the refund takes its share.
        Case(
            status: .paid,
            scored: false,
            hasRefunds: true,
            steps: "cancelSchedules award recomputeGrowth applyRefunds"
        ),
        // Partly refunded after scoring: the refund's share back, the member recounted.
        Case(status: .paid, scored: true, hasRefunds: true, steps: "cancelSchedules recomputeGrowth applyRefunds"),
        // Cancelled or fully refunded after scoring: refunds, then the rest back.
        Case(
            status: .cancelled,
            scored: true,
            hasRefunds: false,
            steps: "cancelSchedules recomputeGrowth applyRefunds reverseRest"
        ),
        Case(
            status: .refunded,
            scored: true,
            hasRefunds: true,
            steps: "cancelSchedules recomputeGrowth applyRefunds reverseRest"
        ),
    ]

    @Test(arguments: cases)
    func plansTheSteps(_ c: Case) {
        let plan = SettlementPlan.plan(status: c.status, scored: c.scored, hasRefunds: c.hasRefunds)
        let steps = [
            ("cancelSchedules", plan.cancelSchedules), ("award", plan.award), ("growByAward", plan.growByAward),
            ("recomputeGrowth", plan.recomputeGrowth), ("applyRefunds", plan.applyRefunds),
            ("reverseRest", plan.reverseRest),
        ].filter(\.1).map(\.0).joined(separator: " ")
        #expect(steps == c.steps)
    }

    @Test func pointsWaitForTheReturnWindowFromThePayment() throws {
        let program = Program(pendingDays: 7)
        let paid = Date(timeIntervalSince1970: 1_800_000_000)
        let soon = AwardTiming(paidAt: paid, now: paid.addingTimeInterval(60), program: program)
        #expect(soon.earnedAt == paid)
        #expect(soon.pending)
        #expect(soon.qualifiesAt > paid.addingTimeInterval(6 * 86_400))
        // Scored long after the window (a backlog): available at once, still dated by the payment.
        let late = AwardTiming(paidAt: paid, now: paid.addingTimeInterval(30 * 86_400), program: program)
        #expect(!late.pending)
        #expect(late.qualifiesAt == soon.qualifiesAt)
        // No return window, no payment date: now.
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let plain = AwardTiming(paidAt: nil, now: now, program: Program())
        #expect(plain.earnedAt == now)
        #expect(!plain.pending)
    }

    @Test func aScoredOrderGrowsTheMemberInTheProgramsCurrencyOnly() throws {
        let cny = try Currency("CNY")
        let order = try Money(minorUnits: 25_900, currency: cny)
        #expect(GrowthDelta(scoring: order, program: Program()) == GrowthDelta(orders: 1, spend: 25_900, dates: true))
        #expect(
            GrowthDelta(scoring: order, program: Program(currency: cny))
                == GrowthDelta(orders: 1, spend: 25_900, dates: true)
        )
        #expect(
            GrowthDelta(scoring: order, program: Program(currency: try Currency("USD")))
                == GrowthDelta(orders: 0, spend: 0, dates: false)
        )
        // A free order dates the member's orders without counting as one.
        let free = try Money(minorUnits: 0, currency: cny)
        #expect(GrowthDelta(scoring: free, program: Program()) == GrowthDelta(orders: 0, spend: 0, dates: true))
    }

    @Test(arguments: [
        (Int64(0), ClawbackPolicy.allowNegative, Int64(0), Int64(0)),
        (30, .allowNegative, 30, 0),
        (30, .stopAtZero, 0, 30),
        (-5, .stopAtZero, 0, 0),
    ])
    func pointsAlreadySpentAreOwedOrForgivenByPolicy(
        missing: Int64,
        policy: ClawbackPolicy,
        debt: Int64,
        forgiven: Int64
    ) {
        let split = Clawback.shortfall(missing, policy: policy)
        #expect(split.debt == debt && split.forgiven == forgiven)
    }
}
