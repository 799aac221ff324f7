/// The value axis of a chart: its two ends and "nice" ticks (multiples of 1, 2, 2.5 or 5 times a
/// power of ten), always including zero so bars grow from a real baseline.
///
/// Everything is exact integer arithmetic: the ticks are printed through the caller's
/// `formatValue`, so a tick must be the Int it claims to be. Doubles appear only in
/// `fraction(of:)`, which places things on the canvas. Near `Int.min`/`Int.max` a nice multiple
/// may not exist; that end of the axis is then the data's own extreme, without a tick.
public struct AxisScale: Sendable, Equatable {
    /// The bottom of the axis (≤ 0 and ≤ every value).
    public let lower: Int
    /// The top of the axis (≥ 0 and ≥ every value), always above `lower`.
    public let upper: Int
    /// The distance between two ticks (≥ 1).
    public let step: Int
    /// Ascending multiples of `step` from `lower` to `upper`, zero among them.
    public let ticks: [Int]

    /// The scale for values between `min` and `max` (in either order), split into about
    /// `intervals` steps (2…20; fewer when the nice step is wider than asked).
    public init(min: Int, max: Int, intervals: Int = 4) {
        let low = Swift.min(min, max, 0)
        var high = Swift.max(min, max, 0)
        // All zero: an axis from 0 to 1 rather than an empty one (no division by zero later).
        if low == high { high = 1 }

        // high - low may not fit an Int (Int.min…Int.max) but always fits a UInt.
        let span = UInt(bitPattern: high) &- UInt(bitPattern: low)
        let parts = UInt(Swift.min(Swift.max(intervals, 2), 20))
        let rough = span / parts + (span % parts == 0 ? 0 : 1)
        let step = Self.niceStep(atLeast: rough)

        let below = Self.multiple(of: step, atOrBelow: low)
        let above = Self.multiple(of: step, atOrAbove: high)
        lower = below ?? low
        upper = above ?? high
        self.step = step

        // The first tick: `lower` itself, or, when `lower` is the raw extreme, the first multiple
        // above it (division truncates toward zero, so for a negative `low` that is a ceiling,
        // and it lies between `low` and 0, so it fits).
        var tick = below ?? (low / step) * step
        var ticks: [Int] = []
        while tick <= upper {
            ticks.append(tick)
            let (next, overflow) = tick.addingReportingOverflow(step)
            if overflow { break }
            tick = next
        }
        self.ticks = ticks
    }

    /// Where `value` sits between `lower` (0) and `upper` (1), clamped to that range.
    public func fraction(of value: Int) -> Double {
        // upper > lower and one of them is not 0, so the span is at least 1: never NaN.
        let span = Double(upper) - Double(lower)
        let fraction = (Double(value) - Double(lower)) / span
        return Swift.min(1, Swift.max(0, fraction))
    }

    /// The smallest of m, 2m, 2.5m, 5m, 10m (m a power of ten) that is at least `rough` and
    /// fits an Int; the largest that fits when none reaches `rough`.
    static func niceStep(atLeast rough: UInt) -> Int {
        guard rough > 1 else { return 1 }
        var magnitude: UInt = 1
        while magnitude <= rough / 10 { magnitude *= 10 }
        var candidates = [magnitude, 2 * magnitude]
        if magnitude >= 10 { candidates.append(magnitude / 2 * 5) }
        candidates.append(5 * magnitude)
        let (ten, overflow) = magnitude.multipliedReportingOverflow(by: 10)
        if !overflow { candidates.append(ten) }
        let fitting = candidates.filter { $0 <= UInt(Int.max) }
        let chosen = fitting.first { $0 >= rough } ?? fitting.last ?? 1
        return Int(chosen)
    }

    /// The largest multiple of `step` that is ≤ `value`, or nil when it is below Int.min.
    static func multiple(of step: Int, atOrBelow value: Int) -> Int? {
        var quotient = value / step
        if value % step != 0 && value < 0 { quotient -= 1 }
        let (result, overflow) = quotient.multipliedReportingOverflow(by: step)
        return overflow ? nil : result
    }

    /// The smallest multiple of `step` that is ≥ `value`, or nil when it is above Int.max.
    static func multiple(of step: Int, atOrAbove value: Int) -> Int? {
        var quotient = value / step
        if value % step != 0 && value > 0 { quotient += 1 }
        let (result, overflow) = quotient.multipliedReportingOverflow(by: step)
        return overflow ? nil : result
    }
}
