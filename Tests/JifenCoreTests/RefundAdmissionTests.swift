import Testing

@testable import JifenCore

/// Every check that admits or refuses a refund or a cancellation, without a database: an order
/// o-1 of 300.00 with two shirts and a mug.
@Suite struct RefundAdmissionTests {
    static let order = try! ExternalID("o-1")
    static let lines = [
        OrderLine(sku: "shirt", category: "apparel", quantity: 2, unitAmount: 10_000),
        OrderLine(sku: "mug", quantity: 1, unitAmount: 10_000),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var amount: Int64
        var lines: [RefundDraft.Line] = []
        var status: OrderStatus = .paid
        var refunded: Int64 = 0
        var recorded: RefundAdmission.Recorded? = nil
        /// The admission, or the refusal's code and detail (or field errors).
        var outcome: String

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "part of a paid order", amount: 10_000, outcome: "admitted"),
        Case(name: "all of a paid order", amount: 30_000, outcome: "admitted, completes"),
        Case(
            name: "the rest after an earlier refund",
            amount: 20_000,
            refunded: 10_000,
            outcome: "admitted, completes"
        ),
        Case(name: "less than the rest", amount: 10_000, refunded: 10_000, outcome: "admitted"),
        Case(
            name: "more than is left",
            amount: 20_001,
            refunded: 10_000,
            outcome: "validation-failed amount: must be at most 20000, what is left of the order to refund"
        ),
        Case(
            name: "more than the order",
            amount: 30_001,
            outcome: "validation-failed amount: must be at most 30000, what is left of the order to refund"
        ),
        Case(
            name: "lines of the order",
            amount: 10_000,
            lines: [.init(sku: "shirt", quantity: 1)],
            outcome: "admitted"
        ),
        Case(
            name: "a SKU the order does not have",
            amount: 10_000,
            lines: [.init(sku: "hat", quantity: 1)],
            outcome: "validation-failed lines[0].sku: the order has no line with SKU 'hat'"
        ),
        Case(
            name: "more units than ordered",
            amount: 10_000,
            lines: [.init(sku: "mug", quantity: 1), .init(sku: "shirt", quantity: 3)],
            outcome: "validation-failed lines[1].quantity: the order has only 2 of 'shirt'"
        ),
        Case(
            name: "an unpaid order",
            amount: 10_000,
            status: .placed,
            outcome: "conflict: order 'o-1' is not paid: cancel it instead"
        ),
        Case(
            name: "a cancelled order",
            amount: 10_000,
            status: .cancelled,
            outcome: "conflict: order 'o-1' is cancelled"
        ),
        Case(
            name: "a fully refunded order",
            amount: 10_000,
            status: .refunded,
            refunded: 30_000,
            outcome: "conflict: order 'o-1' is already fully refunded"
        ),
        Case(
            name: "the order's state is checked before its lines",
            amount: 10_000,
            lines: [.init(sku: "hat", quantity: 1)],
            status: .cancelled,
            outcome: "conflict: order 'o-1' is cancelled"
        ),
        Case(
            name: "the lines are checked before the amount",
            amount: 40_000,
            lines: [.init(sku: "hat", quantity: 1)],
            outcome: "validation-failed lines[0].sku: the order has no line with SKU 'hat'"
        ),
        Case(
            name: "the same refund again",
            amount: 10_000,
            lines: [.init(sku: "mug", quantity: 1)],
            refunded: 10_000,
            recorded: .init(amount: 10_000, lines: [.init(sku: "mug", quantity: 1)]),
            outcome: "repeated"
        ),
        Case(
            name: "the same refund again, after it completed the order",
            amount: 30_000,
            status: .refunded,
            refunded: 30_000,
            recorded: .init(amount: 30_000, lines: []),
            outcome: "repeated"
        ),
        Case(
            name: "the same id with another amount",
            amount: 5_000,
            refunded: 10_000,
            recorded: .init(amount: 10_000, lines: []),
            outcome: "conflict: refund 'r-1' of order 'o-1' was recorded with another amount or lines"
        ),
        Case(
            name: "the same id with other lines",
            amount: 10_000,
            lines: [.init(sku: "shirt", quantity: 1)],
            refunded: 10_000,
            recorded: .init(amount: 10_000, lines: [.init(sku: "mug", quantity: 1)]),
            outcome: "conflict: refund 'r-1' of order 'o-1' was recorded with another amount or lines"
        ),
    ]

    @Test(arguments: cases)
    func admitsOrRefuses(_ c: Case) throws {
        let draft = RefundDraft(externalID: try ExternalID("r-1"), amount: c.amount, lines: c.lines)
        let outcome: String
        do {
            let admission = try RefundAdmission.admit(
                draft,
                order: Self.order,
                status: c.status,
                amount: 30_000,
                lines: Self.lines,
                refunded: c.refunded,
                recorded: c.recorded
            )
            switch admission {
            case .repeated: outcome = "repeated"
            case .admitted(let completes): outcome = completes ? "admitted, completes" : "admitted"
            }
        } catch {
            outcome = Self.describe(error)
        }
        #expect(outcome == c.outcome)
    }

    @Test(arguments: [
        (OrderStatus.placed, "admitted"),
        (.paid, "admitted"),
        (.cancelled, "unchanged"),
        (.refunded, "conflict: order 'o-1' is refunded and cannot be cancelled"),
    ])
    func admitsACancellation(status: OrderStatus, outcome: String) {
        do {
            let admission = try CancelAdmission.admit(order: Self.order, status: status)
            #expect(outcome == (admission == .admitted ? "admitted" : "unchanged"))
        } catch {
            #expect(Self.describe(error) == outcome)
        }
    }

    static func describe(_ error: JifenError) -> String {
        guard error.code == .validationFailed else { return "\(error.code): \(error.detail)" }
        let fields = error.fieldErrors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        return "\(error.code) \(fields)"
    }
}
