import Foundation
import Testing

@testable import JifenCore

/// Which lots pay for a wallet payment, by spending order, expiry and age, in exact minor units.
@Suite struct WalletSpendTests {
    static let now = ExpiryRulesTests.instant("2027-03-01T00:00:00Z")

    /// A lot id that reads as its name in failures: `B1` is `…0B1`.
    static func id(_ name: String) -> UUID {
        let hex = name.replacingOccurrences(of: "P", with: "A")
        return UUID(uuidString: "00000000-0000-0000-0000-" + String(repeating: "0", count: 12 - hex.count) + hex)!
    }

    static func lot(_ name: String, _ remaining: Int64, expires: String?, created: String) -> WalletLotBalance {
        WalletLotBalance(
            id: id(name),
            part: name.hasPrefix("B") ? .bonus : .principal,
            remaining: remaining,
            expiresAt: expires.map(ExpiryRulesTests.instant),
            createdAt: ExpiryRulesTests.instant(created)
        )
    }

    /// Spendable: bonus 2000 + 3000 + 500 = 5500 in the order B2, B1, B5; principal
    /// 4000 + 10000 = 14000 in the order P2, P1. The rest cannot pay.
    static let lots: [WalletLotBalance] = [
        lot("B1", 3000, expires: "2027-03-10T00:00:00Z", created: "2027-01-10T00:00:00Z"),
        lot("P1", 10000, expires: nil, created: "2027-01-01T00:00:00Z"),
        // Expires before B1, so it goes first although it is newer.
        lot("B2", 2000, expires: "2027-03-05T00:00:00Z", created: "2027-02-01T00:00:00Z"),
        // Expired yesterday, and one expiring exactly now: neither counts.
        lot("B3", 5000, expires: "2027-02-28T00:00:00Z", created: "2027-01-01T00:00:00Z"),
        lot("B4", 1000, expires: "2027-03-01T00:00:00Z", created: "2027-01-01T00:00:00Z"),
        // Never expires: last of the bonus, although it is the oldest.
        lot("B5", 500, expires: nil, created: "2026-01-01T00:00:00Z"),
        // Older than P1, so it goes first.
        lot("P2", 4000, expires: nil, created: "2026-12-01T00:00:00Z"),
        // Empty: never touched.
        lot("P3", 0, expires: nil, created: "2026-01-01T00:00:00Z"),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var order: SpendingOrder
        var amount: Int64
        /// "B2:2000 P2:500", or an error code's slug.
        var expected: String
        var testDescription: String { "\(order.rawValue) \(amount) → \(expected)" }
    }

    static let cases: [Case] = [
        Case(order: .bonusFirst, amount: 1000, expected: "B2:1000"),
        Case(order: .bonusFirst, amount: 2500, expected: "B2:2000 B1:500"),
        // Bonus runs out: principal pays the rest, oldest first.
        Case(order: .bonusFirst, amount: 6000, expected: "B2:2000 B1:3000 B5:500 P2:500"),
        Case(order: .bonusFirst, amount: 19500, expected: "B2:2000 B1:3000 B5:500 P2:4000 P1:10000"),
        Case(order: .bonusFirst, amount: 19501, expected: "insufficient-funds"),
        Case(order: .principalFirst, amount: 5000, expected: "P2:4000 P1:1000"),
        Case(order: .principalFirst, amount: 15000, expected: "P2:4000 P1:10000 B2:1000"),
        Case(order: .principalFirst, amount: 19500, expected: "P2:4000 P1:10000 B2:2000 B1:3000 B5:500"),
        Case(order: .principalFirst, amount: 19501, expected: "insufficient-funds"),
        // 1000 × 5500 / 19500 = 282.05: bonus 282, principal 718.
        Case(order: .proportional, amount: 1000, expected: "B2:282 P2:718"),
        // 3 × 5500 / 19500 = 0.85: principal absorbs the whole remainder.
        Case(order: .proportional, amount: 3, expected: "P2:3"),
        // 7000 × 5500 / 19500 = 1974.36: bonus 1974, principal 5026.
        Case(order: .proportional, amount: 7000, expected: "B2:1974 P2:4000 P1:1026"),
        // 39 × 5500 / 19500 = 11 exactly: no remainder.
        Case(order: .proportional, amount: 39, expected: "B2:11 P2:28"),
        Case(order: .proportional, amount: 19500, expected: "B2:2000 B1:3000 B5:500 P2:4000 P1:10000"),
        Case(order: .proportional, amount: 19501, expected: "insufficient-funds"),
        Case(order: .bonusFirst, amount: 0, expected: "validation-failed"),
        Case(order: .proportional, amount: -1, expected: "validation-failed"),
        Case(order: .principalFirst, amount: .min, expected: "validation-failed"),
    ]

    static func describe(_ touches: [WalletTouch]) -> String {
        let names = Dictionary(uniqueKeysWithValues: lots.map { ($0.id, String($0.id.uuidString.suffix(2))) })
        return touches.map { touch in
            let name = names[touch.lotID].map { $0.replacingOccurrences(of: "A", with: "P") } ?? "?"
            return "\(name):\(touch.amount)"
        }.joined(separator: " ")
    }

    @Test(arguments: cases)
    func spendsTheRightLots(_ c: Case) {
        do {
            let touches = try WalletSpend.allocate(c.amount, from: Self.lots, order: c.order, now: Self.now)
            #expect(Self.describe(touches) == c.expected)
            #expect(touches.reduce(0) { $0 + $1.amount } == c.amount)
            #expect(Set(touches.map(\.lotID)).count == touches.count)
            for touch in touches {
                let lot = Self.lots.first { $0.id == touch.lotID }
                #expect(lot?.part == touch.part)
                #expect(touch.amount >= 1 && touch.amount <= lot?.remaining ?? 0)
            }
        } catch {
            #expect(error.code.slug == c.expected)
            if error.code == .validationFailed { #expect(error.fieldErrors.map(\.field) == ["amount"]) }
        }
    }

    @Test(arguments: SpendingOrder.allCases)
    func whenOnePartIsEmptyTheOtherPaysAll(_ order: SpendingOrder) throws {
        // Every bonus lot expired or empty: principal pays everything, whatever the order.
        let principalOnly = Self.lots.filter { $0.part == .principal || $0.expiresAt.map { $0 <= Self.now } == true }
        let touches = try WalletSpend.allocate(5000, from: principalOnly, order: order, now: Self.now)
        #expect(touches.map(\.part) == [.principal, .principal])
        #expect(touches.map(\.amount) == [4000, 1000])
        // And only bonus: bonus pays.
        let bonusOnly = Self.lots.filter { $0.part == .bonus }
        let fromBonus = try WalletSpend.allocate(5500, from: bonusOnly, order: order, now: Self.now)
        #expect(fromBonus.map(\.amount) == [2000, 3000, 500])
        #expect(throws: JifenError(.insufficientFunds, "the wallet has 5500 spendable, less than the 5501 asked for")) {
            try WalletSpend.allocate(5501, from: bonusOnly, order: order, now: Self.now)
        }
        // An empty wallet has nothing.
        #expect {
            try WalletSpend.allocate(1, from: [], order: order, now: Self.now)
        } throws: { error in
            (error as? JifenError)?.code == .insufficientFunds
        }
    }

    @Test func lotsThatExpireTogetherGoOldestFirstThenByID() throws {
        let expiry = "2027-06-01T00:00:00Z"
        let lots = [
            Self.lot("B9", 100, expires: expiry, created: "2027-02-01T00:00:00Z"),
            Self.lot("B8", 100, expires: expiry, created: "2027-01-01T00:00:00Z"),
            Self.lot("B7", 100, expires: expiry, created: "2027-02-01T00:00:00Z"),
        ]
        let touches = try WalletSpend.allocate(300, from: lots, order: .bonusFirst, now: Self.now)
        #expect(touches.map(\.lotID) == [Self.id("B8"), Self.id("B7"), Self.id("B9")])
        // The input order does not matter.
        #expect(try WalletSpend.allocate(300, from: lots.reversed(), order: .bonusFirst, now: Self.now) == touches)
    }

    @Test func hostileSizesDoNotTrap() throws {
        let created = ExpiryRulesTests.instant("2026-01-01T00:00:00Z")
        // A thousand lots of Int64.max each: the sums pass Int64 and amount × bonus passes Int128.
        let huge = (0..<1000).map { i in
            WalletLotBalance(
                id: UUID(),
                part: i.isMultiple(of: 2) ? .bonus : .principal,
                remaining: .max,
                expiresAt: nil,
                createdAt: created.addingTimeInterval(Double(i))
            )
        }
        for order in SpendingOrder.allCases {
            let touches = try WalletSpend.allocate(.max, from: huge, order: order, now: Self.now)
            #expect(touches.reduce(Int128(0)) { $0 + Int128($1.amount) } == Int128(Int64.max))
        }
        // Bonus share ⌊max × 500·max ÷ 1000·max⌋ = ⌊max ÷ 2⌋; principal takes the odd unit.
        let split = try WalletSpend.allocate(.max, from: huge, order: .proportional, now: Self.now)
        #expect(split.map(\.amount) == [Int64.max / 2, Int64.max / 2 + 1])
        #expect(split.map(\.part) == [.bonus, .principal])

        // A thousand lots at the largest money amount, spent down to the last minor unit.
        let big = (0..<1000).map { i in
            WalletLotBalance(
                id: UUID(),
                part: i < 300 ? .bonus : .principal,
                remaining: Money.maxMinorUnits,
                expiresAt: Self.now.addingTimeInterval(Double(i + 1)),
                createdAt: created
            )
        }
        let all = 1000 * Money.maxMinorUnits
        for order in SpendingOrder.allCases {
            let touches = try WalletSpend.allocate(all, from: big, order: order, now: Self.now)
            #expect(touches.count == 1000)
            #expect(touches.reduce(0) { $0 + $1.amount } == all)
            #expect(throws: JifenError.self) {
                try WalletSpend.allocate(all + 1, from: big, order: order, now: Self.now)
            }
        }
        // 0.3 of the total is bonus: 30% of 10^14 + 7 is 3·10^13 + 2.1 → 2 to bonus.
        let proportional = try WalletSpend.allocate(
            Money.maxMinorUnits + 7,
            from: big,
            order: .proportional,
            now: Self.now
        )
        let bonus = proportional.filter { $0.part == .bonus }.reduce(0) { $0 + $1.amount }
        #expect(bonus == 30_000_000_000_002)
        // A lot with a negative remaining (corrupt data) is never spent.
        let corrupt = [WalletLotBalance(id: UUID(), part: .bonus, remaining: .min, createdAt: created)]
        #expect(throws: JifenError.self) {
            try WalletSpend.allocate(1, from: corrupt, order: .bonusFirst, now: Self.now)
        }
    }

    @Test func touchesEncodeWithSnakeCaseKeys() throws {
        let touch = WalletTouch(lotID: Self.id("B1"), part: .bonus, amount: 250)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(touch), as: UTF8.self)
        #expect(json == #"{"amount":250,"lot_id":"00000000-0000-0000-0000-0000000000B1","part":"bonus"}"#)
        #expect(try JSONDecoder().decode(WalletTouch.self, from: Data(json.utf8)) == touch)
        #expect(SpendingOrder.allCases.map(\.rawValue) == ["bonus_first", "principal_first", "proportional"])
        #expect(WalletPart.allCases.map(\.rawValue) == ["principal", "bonus"])
    }
}
