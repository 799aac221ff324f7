public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var values: [Int]
    public init(name: String, values: [Int]) { self.name = name; self.values = values }
}
public struct BarChart: Sendable {
    public enum Layout: Sendable { case grouped, stacked }
    public init(title: String, categories: [String], series: [ChartSeries], layout: Layout = .grouped,
                formatValue: @escaping @Sendable (Int) -> String = { String($0) }) {}
    public func svg(width: Int = 720, height: Int = 260) -> String { "<svg class=\"chart\" role=\"img\"><title>x</title></svg>" }
}
