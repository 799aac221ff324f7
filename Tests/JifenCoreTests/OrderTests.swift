import Foundation
import Testing

@testable import JifenCore

@Suite struct OrderStatusTests {
    @Test func movesOnlyForward() {
        #expect(OrderStatus.placed.advances(to: .paid))
        #expect(OrderStatus.placed.advances(to: .cancelled))
        #expect(OrderStatus.paid.advances(to: .refunded))
        #expect(OrderStatus.paid.advances(to: .cancelled))
        #expect(!OrderStatus.paid.advances(to: .placed))
        #expect(!OrderStatus.refunded.advances(to: .paid))
        #expect(!OrderStatus.cancelled.advances(to: .refunded))
        #expect(!OrderStatus.paid.advances(to: .paid))
    }
}

@Suite struct OrderDraftTests {
    let placedAt = Date(timeIntervalSince1970: 1_800_000_000)

    func draft(
        externalID: String = "1001",
        member: String = "cust-1",
        currency: String = "CNY",
        amount: Int64 = 25_900,
        paidAt: Date? = nil,
        lines: [OrderLine] = []
    ) throws(JifenError) -> OrderDraft {
        try OrderDraft.validate(
            externalID: externalID,
            member: member,
            currency: currency,
            amount: amount,
            status: .paid,
            placedAt: placedAt,
            paidAt: paidAt,
            lines: lines
        )
    }

    @Test func acceptsAValidOrder() throws {
        let order = try draft(lines: [OrderLine(sku: "TEA", quantity: 2, unitAmount: 12_000)])
        #expect(order.amount.minorUnits == 25_900)
        #expect(order.amount.currency.code == "CNY")
        #expect(order.lines.count == 1)
    }

    @Test func namesEveryInvalidFieldAtOnce() {
        do {
            _ = try draft(
                externalID: "bad id",
                member: "",
                currency: "XXX",
                amount: -1,
                paidAt: placedAt.addingTimeInterval(-60),
                lines: [OrderLine(sku: "", quantity: 0, unitAmount: -5)]
            )
            Issue.record("accepted an invalid order")
        } catch {
            #expect(
                error.fieldErrors.map(\.field) == [
                    "external_id", "member", "currency", "amount", "lines[0].sku", "lines[0].quantity",
                    "lines[0].unit_amount", "paid_at",
                ]
            )
        }
    }
}

@Suite struct OrderChangeTests {
    let cny = try! Currency("CNY")

    func snapshot(_ status: OrderStatus, amount: Int64 = 100) -> OrderSnapshot {
        OrderSnapshot(
            member: try! ExternalID("m1"),
            amount: try! Money(minorUnits: amount, currency: cny),
            status: status,
            lines: []
        )
    }

    func incoming(_ status: OrderStatus, member: String = "m1", currency: String = "CNY", amount: Int64 = 100)
        -> OrderDraft
    {
        OrderDraft(
            externalID: try! ExternalID("o1"),
            member: try! ExternalID(member),
            amount: try! Money(minorUnits: amount, currency: Currency(currency)),
            status: status,
            placedAt: Date()
        )
    }

    /// A status update that leaves `lines` out keeps the stored ones; an empty list is a change.
    @Test func omittedLinesMeanAsStored() throws {
        let tea = OrderLine(sku: "TEA", quantity: 2, unitAmount: 50)
        var stored = snapshot(.placed)
        stored.lines = [tea]
        var paid = incoming(.paid)
        paid.linesOmitted = true
        #expect(
            try OrderChange.between(stored: stored, incoming: paid)
                == .update(status: .paid, amount: stored.amount, lines: [tea], statusChanged: true)
        )
        stored.status = .paid
        #expect(try OrderChange.between(stored: stored, incoming: paid) == .unchanged)
        // Saying "no lines" after payment is a change of content, refused.
        #expect(throws: JifenError.self) { try OrderChange.between(stored: stored, incoming: incoming(.paid)) }
    }

    @Test func sameOrderAgainIsUnchanged() throws {
        #expect(try OrderChange.between(stored: snapshot(.paid), incoming: incoming(.paid)) == .unchanged)
    }

    @Test func laterStatusUpdates() throws {
        let change = try OrderChange.between(stored: snapshot(.placed), incoming: incoming(.paid))
        #expect(change == .update(status: .paid, amount: snapshot(.placed).amount, lines: [], statusChanged: true))
    }

    @Test func staleStatusIsIgnored() throws {
        #expect(try OrderChange.between(stored: snapshot(.paid), incoming: incoming(.placed)) == .unchanged)
        #expect(try OrderChange.between(stored: snapshot(.refunded), incoming: incoming(.cancelled)) == .unchanged)
    }

    @Test func amountMayChangeOnlyWhilePlaced() throws {
        let change = try OrderChange.between(stored: snapshot(.placed), incoming: incoming(.placed, amount: 90))
        #expect(
            change
                == .update(
                    status: .placed,
                    amount: try Money(minorUnits: 90, currency: cny),
                    lines: [],
                    statusChanged: false
                )
        )
        #expect(throws: JifenError.self) {
            try OrderChange.between(stored: snapshot(.paid), incoming: incoming(.paid, amount: 90))
        }
    }

    @Test func memberAndCurrencyNeverChange() {
        for incoming in [incoming(.paid, member: "m2"), incoming(.paid, currency: "USD")] {
            do {
                _ = try OrderChange.between(stored: snapshot(.placed), incoming: incoming)
                Issue.record("accepted a change of member or currency")
            } catch {
                #expect(error.code == .conflict)
            }
        }
    }
}
