import Foundation
import JifenCore

/// The parts of Shopify's order webhook payload (`orders/create`, `orders/paid`,
/// `orders/cancelled`) that Jifen uses. Everything else in the payload is ignored.
public struct ShopifyOrder: Sendable, Decodable {
    public struct Customer: Sendable, Decodable {
        public var id: FlexibleID?
        public var email: String?
    }

    public struct LineItem: Sendable, Decodable {
        public var sku: String?
        public var title: String?
        public var quantity: Int64
        public var price: String
        public var productID: FlexibleID?

        enum CodingKeys: String, CodingKey {
            case sku, title, quantity, price
            case productID = "product_id"
        }
    }

    public struct ShippingLine: Sendable, Decodable {
        public var title: String?
        public var price: String
    }

    public var id: FlexibleID
    public var email: String?
    public var createdAt: Date?
    public var processedAt: Date?
    public var currency: String
    public var totalPrice: String
    public var financialStatus: String?
    public var customer: Customer?
    public var lineItems: [LineItem]
    public var shippingLines: [ShippingLine]

    enum CodingKeys: String, CodingKey {
        case id, email, currency, customer
        case createdAt = "created_at"
        case processedAt = "processed_at"
        case totalPrice = "total_price"
        case financialStatus = "financial_status"
        case lineItems = "line_items"
        case shippingLines = "shipping_lines"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleID.self, forKey: .id)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        createdAt = try container.decodeIfPresent(Date.self, forKey: .createdAt)
        processedAt = try container.decodeIfPresent(Date.self, forKey: .processedAt)
        currency = try container.decode(String.self, forKey: .currency)
        totalPrice = try container.decode(String.self, forKey: .totalPrice)
        financialStatus = try container.decodeIfPresent(String.self, forKey: .financialStatus)
        customer = try container.decodeIfPresent(Customer.self, forKey: .customer)
        lineItems = try container.decodeIfPresent([LineItem].self, forKey: .lineItems) ?? []
        shippingLines = try container.decodeIfPresent([ShippingLine].self, forKey: .shippingLines) ?? []
    }

    /// The order as Jifen records it: the shop's customer id (or e-mail) as the member, lines by
    /// SKU (a line without one by its product id), shipping as lines of category `shipping` so a
    /// program can exclude it.
    public func draft(status: OrderStatus, receivedAt: Date) throws(JifenError) -> OrderDraft {
        let currency = try Currency(currency)
        var validator = Validator()
        var lines: [OrderLine] = []
        for (index, item) in lineItems.enumerated() {
            let price = validator.check { () throws(JifenError) in
                try Money(decimal: item.price, currency: currency, field: "line_items[\(index)].price")
            }
            let sku =
                item.sku.flatMap { $0.isEmpty ? nil : $0 } ?? item.productID.map { "product-\($0.text)" }
                ?? "line-\(index + 1)"
            if let price {
                lines.append(
                    OrderLine(
                        sku: sku,
                        name: item.title.map { String($0.prefix(200)) },
                        quantity: item.quantity,
                        unitAmount: price.minorUnits
                    )
                )
            }
        }
        for (index, shipping) in shippingLines.enumerated() {
            if let price = validator.check({ () throws(JifenError) in
                try Money(decimal: shipping.price, currency: currency, field: "shipping_lines[\(index)].price")
            }), price.minorUnits > 0 {
                lines.append(
                    OrderLine(
                        sku: "shipping",
                        category: "shipping",
                        name: shipping.title.map { String($0.prefix(200)) },
                        quantity: 1,
                        unitAmount: price.minorUnits
                    )
                )
            }
        }
        let total = validator.check { () throws(JifenError) in
            try Money(decimal: totalPrice, currency: currency, field: "total_price")
        }
        try validator.finish()
        guard let member = customer?.id?.text ?? customer?.email ?? email else {
            throw JifenError.invalid("customer", "the order has neither a customer id nor an e-mail")
        }
        let placedAt = createdAt ?? receivedAt
        return try OrderDraft.validate(
            externalID: id.text,
            member: member,
            currency: currency.code,
            amount: total?.minorUnits ?? 0,
            status: status,
            placedAt: placedAt,
            paidAt: status == .paid ? max(processedAt ?? receivedAt, placedAt) : nil,
            lines: lines
        )
    }
}

/// The parts of Shopify's `refunds/create` payload that Jifen uses.
public struct ShopifyRefund: Sendable, Decodable {
    public struct Transaction: Sendable, Decodable {
        public var amount: String
        public var kind: String?
        public var status: String?
    }

    public struct RefundLineItem: Sendable, Decodable {
        public struct LineItem: Sendable, Decodable {
            public var sku: String?
            public var productID: FlexibleID?
            enum CodingKeys: String, CodingKey {
                case sku
                case productID = "product_id"
            }
        }
        public var quantity: Int64
        public var lineItem: LineItem?
        enum CodingKeys: String, CodingKey {
            case quantity
            case lineItem = "line_item"
        }
    }

    public var id: FlexibleID
    public var orderID: FlexibleID
    public var transactions: [Transaction]
    public var refundLineItems: [RefundLineItem]

    enum CodingKeys: String, CodingKey {
        case id, transactions
        case orderID = "order_id"
        case refundLineItems = "refund_line_items"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleID.self, forKey: .id)
        orderID = try container.decode(FlexibleID.self, forKey: .orderID)
        transactions = try container.decodeIfPresent([Transaction].self, forKey: .transactions) ?? []
        refundLineItems = try container.decodeIfPresent([RefundLineItem].self, forKey: .refundLineItems) ?? []
    }

    /// The refund as Jifen records it: the money given back (successful `refund` transactions),
    /// in the order's `currency`, and the refunded lines by SKU.
    public func draft(currency: Currency) throws(JifenError) -> RefundDraft {
        var amount: Int64 = 0
        for (index, transaction) in transactions.enumerated()
        where (transaction.kind ?? "refund") == "refund" && (transaction.status ?? "success") == "success" {
            amount += try Money(decimal: transaction.amount, currency: currency, field: "transactions[\(index)].amount")
                .minorUnits
        }
        let lines = refundLineItems.compactMap { item -> RefundDraft.Line? in
            guard let line = item.lineItem else { return nil }
            let sku = line.sku.flatMap { $0.isEmpty ? nil : $0 } ?? line.productID.map { "product-\($0.text)" }
            return sku.map { RefundDraft.Line(sku: $0, quantity: item.quantity) }
        }
        return try RefundDraft.validate(externalID: id.text, amount: amount, lines: lines)
    }
}

/// Shopify ids are 64-bit numbers in JSON (and strings in some payloads): either is accepted.
public struct FlexibleID: Sendable, Hashable, Decodable {
    public var text: String

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }
}
