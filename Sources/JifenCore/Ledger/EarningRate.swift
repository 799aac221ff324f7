/// Points per amount spent, as a ratio of integers: never a float.
///
/// The default, 1 point per 1 major unit (1 yuan), floors: 259.99 CNY earns 259 points.
/// The full rules engine (multipliers, caps, exclusions) builds on this.
public struct EarningRate: Sendable, Hashable {
    public var points: Int64
    /// Per this many major units of the order's currency.
    public var perMajorUnits: Int64

    public init(points: Int64 = 1, perMajorUnits: Int64 = 1) {
        self.points = points
        self.perMajorUnits = perMajorUnits
    }

    public static let `default` = EarningRate()

    /// Points for `amount`, rounded down, computed in minor units so nothing is lost to a
    /// premature division.
    public func points(for amount: Money) -> Int64 {
        let denominator = perMajorUnits * amount.currency.minorUnitsPerMajor
        guard denominator > 0, points > 0 else { return 0 }
        let (product, overflow) = amount.minorUnits.multipliedReportingOverflow(by: points)
        if overflow { return (amount.minorUnits / denominator) * points }
        return product / denominator
    }
}
