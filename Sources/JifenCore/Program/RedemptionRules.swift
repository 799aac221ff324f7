import Foundation

/// How points are spent: what they are worth and the limits on spending them.
public struct RedemptionRules: Sendable, Hashable, Codable {
    /// `points` points are worth `amount` minor units: `{points: 100, amount: 100}` is
    /// 100 points = 1 yuan.
    public var points: Int64
    public var amount: Int64
    public var minimumPoints: Int64
    /// The most of an order's total that points may pay, in percent.
    public var maxOrderSharePercent: Int64
    /// How long a hold lasts before it is released by itself.
    public var holdMinutes: Int64

    public init(
        points: Int64 = 100,
        amount: Int64 = 100,
        minimumPoints: Int64 = 1,
        maxOrderSharePercent: Int64 = 100,
        holdMinutes: Int64 = 15
    ) {
        self.points = points
        self.amount = amount
        self.minimumPoints = minimumPoints
        self.maxOrderSharePercent = maxOrderSharePercent
        self.holdMinutes = holdMinutes
    }

    enum CodingKeys: String, CodingKey {
        case points, amount
        case minimumPoints = "minimum_points"
        case maxOrderSharePercent = "max_order_share_percent"
        case holdMinutes = "hold_minutes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RedemptionRules()
        points = try container.decodeIfPresent(Int64.self, forKey: .points) ?? defaults.points
        amount = try container.decodeIfPresent(Int64.self, forKey: .amount) ?? defaults.amount
        minimumPoints = try container.decodeIfPresent(Int64.self, forKey: .minimumPoints) ?? defaults.minimumPoints
        maxOrderSharePercent =
            try container.decodeIfPresent(Int64.self, forKey: .maxOrderSharePercent) ?? defaults.maxOrderSharePercent
        holdMinutes = try container.decodeIfPresent(Int64.self, forKey: .holdMinutes) ?? defaults.holdMinutes
    }

    /// What `points` are worth, in minor units, rounded down.
    public func value(of points: Int64) -> Int64 {
        guard self.points > 0 else { return 0 }
        return Int64(clamping: Rounding.floor.divide(Int128(points) * Int128(amount), by: Int128(self.points)))
    }

    /// Checks a redemption of `points` against the minimum and, when the order's total is
    /// known, the share of it that points may pay. Returns the points' value.
    public func check(points: Int64, orderTotal: Int64?) throws(JifenError) -> Int64 {
        var validator = Validator()
        if points < max(1, minimumPoints) {
            validator.fail("points", "must be at least \(max(1, minimumPoints))")
        }
        let value = value(of: max(0, points))
        if let orderTotal {
            if orderTotal < 0 {
                validator.fail("order_total", "must be zero or more")
            } else {
                let limit = Int64(
                    clamping: Rounding.floor.divide(Int128(orderTotal) * Int128(maxOrderSharePercent), by: 100)
                )
                if value > limit {
                    validator.fail(
                        "points",
                        "are worth \(value), more than the \(maxOrderSharePercent)% of the order that points may pay (\(limit))"
                    )
                }
            }
        }
        try validator.finish()
        return value
    }

    public func holdExpiry(from now: Date) -> Date { now.addingTimeInterval(TimeInterval(holdMinutes) * 60) }
}
