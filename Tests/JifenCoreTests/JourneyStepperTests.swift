import Foundation
import Testing

@testable import JifenCore

/// Every rule of moving a member through a journey, without a database: a coupon 7 days after
/// entering, then 100 points 14 days later for those who have not bought since, twice.
@Suite struct JourneyStepperTests {
    static let template = UUID(uuidString: "0B5E1A52-7C1D-4E0F-9A31-2D4C6E8F1A3B")!
    static let steps: [JourneyDraft.Step] = [
        .init(waitDays: 7, action: .coupon(template: template)),
        .init(waitDays: 14, onlyIfNotPurchased: true, action: .points(100, reasonCode: "win_back")),
    ]
    static let journey = JourneyDraft(
        name: "Win back",
        entry: .lapsing(category: "cosmetics"),
        steps: steps,
        cycles: 2,
        holdoutPercent: 10,
        evaluationDays: 14
    )
    static let staying: JourneyDraft = {
        var staying = JourneyStepperTests.journey
        staying.exitOnPurchase = false
        return staying
    }()

    static let day0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func day(_ n: Double) -> Date { day0.addingTimeInterval(n * 86_400) }
    static func at(_ cycle: Int, _ step: Int, last: Double? = nil, heldOut: Bool = false) -> JourneyPosition {
        JourneyPosition(cycle: cycle, step: step, enteredAt: day0, lastStepAt: last.map(day), heldOut: heldOut)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var journey = JourneyStepperTests.journey
        var position: JourneyPosition
        var purchased: Double? = nil
        var now: Double
        var move: JourneyMove

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Waits.
        Case(name: "not due yet", position: at(0, 0), now: 3, move: .waitUntil(day(7))),
        Case(name: "a second before", position: at(0, 0), now: 7 - 1 / 86_400, move: .waitUntil(day(7))),
        Case(
            name: "the second step waits from the first",
            position: at(0, 1, last: 7),
            now: 20,
            move: .waitUntil(day(21))
        ),
        // Due: one step per call.
        Case(
            name: "due on the day",
            position: at(0, 0),
            now: 7,
            move: .perform(cycle: 0, step: 0, stimulate: true, next: at(0, 1, last: 7), nextDueAt: day(21))
        ),
        Case(
            name: "a late worker keeps the schedule",
            position: at(0, 0),
            now: 30,
            move: .perform(cycle: 0, step: 0, stimulate: true, next: at(0, 1, last: 7), nextDueAt: day(21))
        ),
        // Cycles.
        Case(
            name: "the last step of a cycle starts the next",
            position: at(0, 1, last: 7),
            now: 21,
            move: .perform(cycle: 0, step: 1, stimulate: true, next: at(1, 0, last: 21), nextDueAt: day(28))
        ),
        Case(
            name: "the first step of the second cycle waits from the last of the first",
            position: at(1, 0, last: 21),
            now: 27,
            move: .waitUntil(day(28))
        ),
        Case(
            name: "the last step of the last cycle",
            position: at(1, 1, last: 28),
            now: 42,
            move: .perform(cycle: 1, step: 1, stimulate: true, next: at(2, 0, last: 42), nextDueAt: nil)
        ),
        Case(name: "past the end", position: at(2, 0, last: 42), now: 43, move: .exit(reason: .completed)),
        Case(
            name: "past the end, having purchased since",
            position: at(2, 0, last: 42),
            purchased: 43,
            now: 44,
            move: .exit(reason: .completed)
        ),
        // Exits on purchase.
        Case(
            name: "a purchase exits, due or not",
            position: at(0, 1, last: 7),
            purchased: 10,
            now: 12,
            move: .exit(reason: .purchased)
        ),
        Case(
            name: "a held-out member exits on purchase too",
            position: at(0, 1, last: 7, heldOut: true),
            purchased: 10,
            now: 21,
            move: .exit(reason: .purchased)
        ),
        Case(
            name: "a purchase before entering does not exit",
            position: at(0, 0),
            purchased: -3,
            now: 7,
            move: .perform(cycle: 0, step: 0, stimulate: true, next: at(0, 1, last: 7), nextDueAt: day(21))
        ),
        Case(
            name: "the purchase that entered the member does not exit it",
            position: at(0, 0),
            purchased: 0,
            now: 1,
            move: .waitUntil(day(7))
        ),
        // Held out: tracked through the same steps, never stimulated.
        Case(
            name: "held out",
            position: at(0, 0, heldOut: true),
            now: 7,
            move: .perform(
                cycle: 0,
                step: 0,
                stimulate: false,
                next: at(0, 1, last: 7, heldOut: true),
                nextDueAt: day(21)
            )
        ),
        Case(
            name: "held out, last step",
            position: at(1, 1, last: 28, heldOut: true),
            now: 42,
            move: .perform(cycle: 1, step: 1, stimulate: false, next: at(2, 0, last: 42, heldOut: true), nextDueAt: nil)
        ),
        // Only if not purchased (a journey that does not exit on purchase).
        Case(
            name: "purchased since the previous step: recorded, not stimulated",
            journey: staying,
            position: at(0, 1, last: 7),
            purchased: 10,
            now: 21,
            move: .perform(cycle: 0, step: 1, stimulate: false, next: at(1, 0, last: 21), nextDueAt: day(28))
        ),
        Case(
            name: "purchased before the previous step: stimulated",
            journey: staying,
            position: at(0, 1, last: 7),
            purchased: 5,
            now: 21,
            move: .perform(cycle: 0, step: 1, stimulate: true, next: at(1, 0, last: 21), nextDueAt: day(28))
        ),
        Case(
            name: "a step for everyone ignores the purchase",
            journey: staying,
            position: at(1, 0, last: 21),
            purchased: 22,
            now: 28,
            move: .perform(cycle: 1, step: 0, stimulate: true, next: at(1, 1, last: 28), nextDueAt: day(42))
        ),
        Case(
            name: "not exiting, the end still completes",
            journey: staying,
            position: at(2, 0, last: 42),
            purchased: 30,
            now: 50,
            move: .exit(reason: .completed)
        ),
    ]

    @Test(arguments: cases)
    func movesTheMember(_ c: Case) {
        let move = JourneyStepper.next(
            c.journey,
            position: c.position,
            lastPurchaseAt: c.purchased.map(Self.day),
            now: Self.day(c.now)
        )
        #expect(move == c.move)
    }

    /// A worker that calls until told to wait, once a day: every step on its day, both cycles,
    /// then the member completes.
    @Test func aDailyWorkerWalksTheWholeJourney() {
        var position = Self.at(0, 0)
        var performed: [String] = []
        var exit: ExitReason?
        for day in 0...60 where exit == nil {
            loop: while true {
                switch JourneyStepper.next(
                    Self.journey,
                    position: position,
                    lastPurchaseAt: nil,
                    now: Self.day(Double(day))
                ) {
                case .waitUntil: break loop
                case .perform(let cycle, let step, let stimulate, let next, _):
                    #expect(stimulate)
                    performed.append("\(cycle).\(step)@\(day)")
                    position = next
                case .exit(let reason):
                    exit = reason
                    break loop
                }
            }
        }
        #expect(performed == ["0.0@7", "0.1@21", "1.0@28", "1.1@42"])
        #expect(exit == .completed)
    }

    /// After an outage the worker catches up one step per call, on the original schedule.
    @Test func aLateWorkerCatchesUpOneStepPerCall() {
        var position = Self.at(0, 0)
        var dues: [Date?] = []
        while case .perform(_, _, _, let next, let nextDueAt) = JourneyStepper.next(
            Self.journey,
            position: position,
            lastPurchaseAt: nil,
            now: Self.day(100)
        ) {
            dues.append(nextDueAt)
            position = next
        }
        #expect(dues == [Self.day(21), Self.day(28), Self.day(42), nil])
        #expect(
            JourneyStepper.next(Self.journey, position: position, lastPurchaseAt: nil, now: Self.day(100))
                == .exit(reason: .completed)
        )
    }

    @Test func aStepWithoutAWaitIsDueOnEntering() {
        let once = JourneyDraft(
            name: "Thanks",
            entry: .firstOrder(from: Self.day(-30), until: Self.day(30), minimumSpend: 0),
            steps: [.init(waitDays: 0, action: .message(key: "thank-you"))],
            evaluationDays: 7
        )
        let first = JourneyStepper.next(once, position: Self.at(0, 0), lastPurchaseAt: Self.day0, now: Self.day0)
        #expect(first == .perform(cycle: 0, step: 0, stimulate: true, next: Self.at(1, 0, last: 0), nextDueAt: nil))
        #expect(
            JourneyStepper.next(once, position: Self.at(1, 0, last: 0), lastPurchaseAt: Self.day0, now: Self.day0)
                == .exit(reason: .completed)
        )
    }
}
