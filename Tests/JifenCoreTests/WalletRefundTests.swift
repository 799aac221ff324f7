import Foundation
import Testing

@testable import JifenCore

/// Refunding a top-up and returning a wallet payment, in exact minor units.
@Suite struct WalletRefundTests {
    struct RefundCase: Sendable, CustomTestStringConvertible {
        var name: String
        var principalPaid: Int64
        var principalUnspent: Int64
        var bonusPaid: Int64
        var bonusSpent: Int64
        var bonusUnspent: Int64
        var policy: TopUpRefundPolicy
        /// returnedToMember, principalRemoved, bonusRemoved, spentBonusDeducted, spentBonusForgiven
        var expected: [Int64]
        var testDescription: String { "\(name), \(policy.rawValue)" }
    }

    // A 500.00 top-up on the 500-plus-500 offer, refunded after 3 of its 10 weekly bonus
    // payments (15000) of which the member spent 8000.
    static let cases: [RefundCase] = [
        RefundCase(
            name: "3 of 10 paid, 8000 bonus spent",
            principalPaid: 50000,
            principalUnspent: 50000,
            bonusPaid: 15000,
            bonusSpent: 8000,
            bonusUnspent: 7000,
            policy: .deductSpentBonus,
            expected: [42000, 50000, 7000, 8000, 0]
        ),
        RefundCase(
            name: "3 of 10 paid, 8000 bonus spent",
            principalPaid: 50000,
            principalUnspent: 50000,
            bonusPaid: 15000,
            bonusSpent: 8000,
            bonusUnspent: 7000,
            policy: .forgive,
            expected: [50000, 50000, 7000, 0, 8000]
        ),
        // 45000 of principal spent too: only 5000 left to keep the 12000 of spent bonus from.
        RefundCase(
            name: "spent bonus exceeds unspent principal",
            principalPaid: 50000,
            principalUnspent: 5000,
            bonusPaid: 15000,
            bonusSpent: 12000,
            bonusUnspent: 3000,
            policy: .deductSpentBonus,
            expected: [0, 5000, 3000, 5000, 7000]
        ),
        RefundCase(
            name: "spent bonus exceeds unspent principal",
            principalPaid: 50000,
            principalUnspent: 5000,
            bonusPaid: 15000,
            bonusSpent: 12000,
            bonusUnspent: 3000,
            policy: .forgive,
            expected: [5000, 5000, 3000, 0, 12000]
        ),
        // 5000 of the paid bonus expired unspent: it is gone and costs nobody anything.
        RefundCase(
            name: "some bonus expired",
            principalPaid: 50000,
            principalUnspent: 50000,
            bonusPaid: 15000,
            bonusSpent: 8000,
            bonusUnspent: 2000,
            policy: .deductSpentBonus,
            expected: [42000, 50000, 2000, 8000, 0]
        ),
        RefundCase(
            name: "nothing spent, refunded at once",
            principalPaid: 20000,
            principalUnspent: 20000,
            bonusPaid: 4000,
            bonusSpent: 0,
            bonusUnspent: 4000,
            policy: .deductSpentBonus,
            expected: [20000, 20000, 4000, 0, 0]
        ),
        RefundCase(
            name: "everything spent",
            principalPaid: 20000,
            principalUnspent: 0,
            bonusPaid: 20000,
            bonusSpent: 20000,
            bonusUnspent: 0,
            policy: .deductSpentBonus,
            expected: [0, 0, 0, 0, 20000]
        ),
        RefundCase(
            name: "hostile negatives count as zero",
            principalPaid: -1,
            principalUnspent: .min,
            bonusPaid: .min,
            bonusSpent: .min,
            bonusUnspent: -5,
            policy: .deductSpentBonus,
            expected: [0, 0, 0, 0, 0]
        ),
        RefundCase(
            name: "hostile sizes",
            principalPaid: .max,
            principalUnspent: .max,
            bonusPaid: .max,
            bonusSpent: .max,
            bonusUnspent: .max,
            policy: .deductSpentBonus,
            expected: [0, .max, .max, .max, 0]
        ),
    ]

    @Test(arguments: cases)
    func decidesTheTopUpRefund(_ c: RefundCase) {
        let d = TopUpRefund.decide(
            principalPaid: c.principalPaid,
            principalUnspent: c.principalUnspent,
            bonusPaid: c.bonusPaid,
            bonusSpent: c.bonusSpent,
            bonusUnspent: c.bonusUnspent,
            policy: c.policy
        )
        #expect(
            [d.returnedToMember, d.principalRemoved, d.bonusRemoved, d.spentBonusDeducted, d.spentBonusForgiven]
                == c.expected
        )
    }

    @Test(arguments: TopUpRefundPolicy.allCases)
    func theMemberNeverOwesMoney(_ policy: TopUpRefundPolicy) {
        let sizes: [Int64] = [0, 1, 4999, 5000, 8000, 50000, Money.maxMinorUnits, .max]
        for unspent in sizes {
            for spent in sizes {
                let d = TopUpRefund.decide(
                    principalPaid: max(unspent, 50000),
                    principalUnspent: unspent,
                    bonusPaid: spent,
                    bonusSpent: spent,
                    bonusUnspent: 0,
                    policy: policy
                )
                #expect(d.returnedToMember == unspent - d.spentBonusDeducted)
                #expect(d.returnedToMember >= 0)
                #expect(d.spentBonusDeducted + d.spentBonusForgiven == spent)
                #expect(d.principalRemoved == unspent)
                if policy == .forgive { #expect(d.spentBonusDeducted == 0) }
            }
        }
    }

    @Test func theRefundFiguresFollowFromTheWallet() throws {
        // The 500-plus-500 top-up: principal 50000 and three weekly bonus payments of 5000,
        // then an 8000 order paid bonus first. What is left feeds the refund.
        let paidAt = ExpiryRulesTests.instant("2027-01-04T02:00:00Z")
        let principal = WalletLotBalance(id: UUID(), part: .principal, remaining: 50000, createdAt: paidAt)
        let offer = TopUpOffer(
            code: "500-plus-500",
            minimumAmount: 50000,
            bonus: 50000,
            installments: 10,
            period: .week
        )
        let bonus = offer.plan(paidAt: paidAt, in: .gmt).prefix(3).map {
            WalletLotBalance(id: UUID(), part: .bonus, remaining: $0.amount, createdAt: $0.dueAt)
        }
        let now = ExpiryRulesTests.instant("2027-01-20T00:00:00Z")
        let spent = try WalletSpend.allocate(8000, from: [principal] + bonus, order: .bonusFirst, now: now)
        #expect(spent.map(\.amount) == [5000, 3000])
        #expect(spent.map(\.lotID) == bonus.prefix(2).map(\.id))
        let bonusSpent = spent.filter { $0.part == .bonus }.reduce(0) { $0 + $1.amount }
        let d = TopUpRefund.decide(
            principalPaid: 50000,
            principalUnspent: 50000,
            bonusPaid: bonus.reduce(0) { $0 + $1.remaining },
            bonusSpent: bonusSpent,
            bonusUnspent: 15000 - bonusSpent,
            policy: .deductSpentBonus
        )
        #expect(
            d
                == TopUpRefundDecision(
                    returnedToMember: 42000,
                    principalRemoved: 50000,
                    bonusRemoved: 7000,
                    spentBonusDeducted: 8000,
                    spentBonusForgiven: 0
                )
        )
    }

    static let b2 = UUID(uuidString: "00000000-0000-0000-0000-0000000000B2")!
    static let b1 = UUID(uuidString: "00000000-0000-0000-0000-0000000000B1")!
    static let p2 = UUID(uuidString: "00000000-0000-0000-0000-0000000000A2")!
    static let p1 = UUID(uuidString: "00000000-0000-0000-0000-0000000000A1")!
    /// A 10000 payment, bonus first: B2 2000, B1 3000, then P2 4000, P1 1000.
    static let captured = [
        WalletTouch(lotID: b2, part: .bonus, amount: 2000),
        WalletTouch(lotID: b1, part: .bonus, amount: 3000),
        WalletTouch(lotID: p2, part: .principal, amount: 4000),
        WalletTouch(lotID: p1, part: .principal, amount: 1000),
    ]

    @Test func partialReturnsGoBackLastSpentFirstAndAddUpExactly() throws {
        // 1500: the last lot spent (P1) first, then P2.
        let first = try WalletReturn.allocate(1500, captured: Self.captured, alreadyReturned: [])
        #expect(
            first == [
                WalletTouch(lotID: Self.p1, part: .principal, amount: 1000),
                WalletTouch(lotID: Self.p2, part: .principal, amount: 500),
            ]
        )
        // 5000 more: the rest of P2, then part of B1.
        let second = try WalletReturn.allocate(5000, captured: Self.captured, alreadyReturned: first)
        #expect(
            second == [
                WalletTouch(lotID: Self.p2, part: .principal, amount: 3500),
                WalletTouch(lotID: Self.b1, part: .bonus, amount: 1500),
            ]
        )
        // The rest: 3500, and every lot has back exactly what it paid.
        let third = try WalletReturn.allocate(3500, captured: Self.captured, alreadyReturned: first + second)
        #expect(
            third == [
                WalletTouch(lotID: Self.b1, part: .bonus, amount: 1500),
                WalletTouch(lotID: Self.b2, part: .bonus, amount: 2000),
            ]
        )
        var back: [UUID: Int64] = [:]
        for touch in first + second + third { back[touch.lotID, default: 0] += touch.amount }
        #expect(back == Dictionary(uniqueKeysWithValues: Self.captured.map { ($0.lotID, $0.amount) }))
        // Nothing is left to return.
        #expect(throws: JifenError.invalid("amount", "must be at most 0, what is left to return of this payment")) {
            try WalletReturn.allocate(1, captured: Self.captured, alreadyReturned: first + second + third)
        }
    }

    @Test func aFullReturnRestoresEveryLot() throws {
        let all = try WalletReturn.allocate(10000, captured: Self.captured, alreadyReturned: [])
        #expect(all == Self.captured.reversed())
    }

    @Test(arguments: [Int64(0), -1, .min, 10001, .max])
    func returnsOutsideWhatWasTakenAreRefused(amount: Int64) {
        #expect {
            try WalletReturn.allocate(amount, captured: Self.captured, alreadyReturned: [])
        } throws: { error in
            (error as? JifenError)?.fieldErrors.map(\.field) == ["amount"]
        }
    }

    @Test func oddInputsDoNotCountTowardsWhatIsReturnable() throws {
        // A return to a lot the payment never touched, or with no positive amount, changes
        // nothing; neither does a non-positive captured touch.
        let stray = [
            WalletTouch(lotID: UUID(), part: .bonus, amount: 9000),
            WalletTouch(lotID: Self.p1, part: .principal, amount: -5000),
        ]
        let withJunk = Self.captured + [WalletTouch(lotID: UUID(), part: .bonus, amount: 0)]
        let all = try WalletReturn.allocate(10000, captured: withJunk, alreadyReturned: stray)
        #expect(all == Self.captured.reversed())
        // A lot touched twice by the capture gets both back, in one touch.
        let twice = [
            WalletTouch(lotID: Self.b1, part: .bonus, amount: 100),
            WalletTouch(lotID: Self.p1, part: .principal, amount: 200),
            WalletTouch(lotID: Self.b1, part: .bonus, amount: 300),
        ]
        #expect(
            try WalletReturn.allocate(600, captured: twice, alreadyReturned: [])
                == [
                    WalletTouch(lotID: Self.b1, part: .bonus, amount: 400),
                    WalletTouch(lotID: Self.p1, part: .principal, amount: 200),
                ]
        )
    }

    @Test func hostileSizesDoNotTrap() throws {
        // A thousand lots touched twice at the largest amount, and a few at Int64.max, whose sum
        // passes Int64.
        let big = (0..<1000).map { _ in WalletTouch(lotID: UUID(), part: .principal, amount: Money.maxMinorUnits) }
        let returned = try WalletReturn.allocate(2000 * Money.maxMinorUnits, captured: big + big, alreadyReturned: [])
        #expect(returned.count == 1000 && returned.allSatisfy { $0.amount == 2 * Money.maxMinorUnits })
        let maxed = (0..<3).map { _ in WalletTouch(lotID: UUID(), part: .bonus, amount: .max) }
        let back = try WalletReturn.allocate(.max, captured: maxed, alreadyReturned: [maxed[2]])
        #expect(back == [WalletTouch(lotID: maxed[1].lotID, part: .bonus, amount: .max)])
        // 1000 lots, returned one lot at a time.
        var so: [WalletTouch] = []
        for _ in 0..<1000 {
            so += try WalletReturn.allocate(Money.maxMinorUnits, captured: big, alreadyReturned: so)
        }
        #expect(so.map(\.lotID) == big.reversed().map(\.lotID))
    }
}
