/// A refund as a shop reports it: the shop's own id for it (posting it again changes nothing),
/// the amount given back, and optionally which lines.
public struct RefundDraft: Sendable, Hashable, Codable {
    /// A refunded line: which SKU of the order, and how many units.
    public struct Line: Sendable, Hashable, Codable {
        public var sku: String
        public var quantity: Int64

        public init(sku: String, quantity: Int64) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public var externalID: ExternalID
    public var amount: Int64
    public var lines: [Line]

    public init(externalID: ExternalID, amount: Int64, lines: [Line] = []) {
        self.externalID = externalID
        self.amount = amount
        self.lines = lines
    }

    enum CodingKeys: String, CodingKey {
        case externalID = "external_id"
        case amount, lines
    }

    public static func validate(externalID: String, amount: Int64, lines: [Line]) throws(JifenError) -> RefundDraft {
        var validator = Validator()
        let id = validator.check { () throws(JifenError) in try ExternalID(externalID, field: "external_id") }
        if amount < 1 || amount > Money.maxMinorUnits {
            validator.fail("amount", "must be between 1 and \(Money.maxMinorUnits)")
        }
        if lines.count > OrderDraft.maxLines {
            validator.fail("lines", "must have at most \(OrderDraft.maxLines) lines")
        }
        for (index, line) in lines.enumerated() {
            validator.text(line.sku, "lines[\(index)].sku", max: 128, required: true)
            if line.quantity < 1 || line.quantity > OrderLine.maxQuantity {
                validator.fail("lines[\(index)].quantity", "must be between 1 and \(OrderLine.maxQuantity)")
            }
        }
        try validator.finish()
        guard let id else { throw JifenError(.internalError, "validation lost a field") }
        return RefundDraft(externalID: id, amount: amount, lines: lines)
    }

    /// The refunded lines priced and categorised as in `order`, for measuring their share of
    /// its earning. Throws naming a SKU the order does not have or a quantity it never had.
    public static func priced(_ lines: [Line], in order: [OrderLine]) throws(JifenError) -> [OrderLine] {
        var validator = Validator()
        var priced: [OrderLine] = []
        for (index, line) in lines.enumerated() {
            let matching = order.filter { $0.sku == line.sku }
            guard let first = matching.first else {
                validator.fail("lines[\(index)].sku", "the order has no line with SKU '\(line.sku)'")
                continue
            }
            let ordered = matching.reduce(0) { $0 + $1.quantity }
            if line.quantity > ordered {
                validator.fail("lines[\(index)].quantity", "the order has only \(ordered) of '\(line.sku)'")
            }
            priced.append(
                OrderLine(
                    sku: line.sku,
                    category: first.category,
                    quantity: line.quantity,
                    unitAmount: first.unitAmount
                )
            )
        }
        try validator.finish()
        return priced
    }
}
