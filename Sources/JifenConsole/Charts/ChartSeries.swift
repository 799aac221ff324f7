/// One named row of a chart: a value per category, in the categories' order.
///
/// A series shorter than the categories has no bar or point where it has no value (a line
/// breaks there), which is not the same as a zero; values past the last category are not drawn.
public struct ChartSeries: Sendable, Equatable {
    /// The legend label, already localized by the caller.
    public var name: String
    /// One per category; may be negative (points expired drawn as a negative flow).
    public var values: [Int]

    public init(name: String, values: [Int]) {
        self.name = name
        self.values = values
    }
}
