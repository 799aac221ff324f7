import Foundation

/// A member's last order is older than the program's repurchase window: sent once per lapse.
public struct MemberLapsed: MemberStreamEvent, Equatable {
    public static let types = ["member.lapsed"]
    public var type: String { "member.lapsed" }

    public var lastOrderAt: Date
    public var daysSinceLastOrder: Int64
    public var repurchaseWindowDays: Int64
    public var orderCount: Int64
    public var totalSpend: Int64

    public init(
        lastOrderAt: Date,
        daysSinceLastOrder: Int64,
        repurchaseWindowDays: Int64,
        orderCount: Int64,
        totalSpend: Int64
    ) {
        self.lastOrderAt = lastOrderAt
        self.daysSinceLastOrder = daysSinceLastOrder
        self.repurchaseWindowDays = repurchaseWindowDays
        self.orderCount = orderCount
        self.totalSpend = totalSpend
    }

    enum CodingKeys: String, CodingKey {
        case lastOrderAt = "last_order_at"
        case daysSinceLastOrder = "days_since_last_order"
        case repurchaseWindowDays = "repurchase_window_days"
        case orderCount = "order_count"
        case totalSpend = "total_spend"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(EventTime.text(lastOrderAt), forKey: .lastOrderAt)
        try container.encode(daysSinceLastOrder, forKey: .daysSinceLastOrder)
        try container.encode(repurchaseWindowDays, forKey: .repurchaseWindowDays)
        try container.encode(orderCount, forKey: .orderCount)
        try container.encode(totalSpend, forKey: .totalSpend)
    }
}
