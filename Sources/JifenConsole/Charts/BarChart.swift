/// A bar chart as inline SVG: categories along the bottom, one bar per series in each category
/// (grouped) or the series piled into one bar (stacked: positive values up from zero, negative
/// values down from it).
///
/// The id of the root element is derived from everything drawn (ChartID) unless `id` is given;
/// a page showing the same chart twice passes ids. `emptyText` is what a chart without data
/// says (localized by the caller, like every other text).
public struct BarChart: Sendable {
    public enum Layout: Sendable {
        case grouped
        case stacked
    }

    let content: ChartContent
    let layout: Layout

    public init(
        title: String,
        categories: [String],
        series: [ChartSeries],
        layout: Layout = .grouped,
        emptyText: String = "No data",
        description: String? = nil,
        id: String? = nil,
        formatValue: @escaping @Sendable (Int) -> String = { String($0) }
    ) {
        content = ChartContent(
            title: title,
            categories: categories,
            series: series,
            emptyText: emptyText,
            description: description,
            id: id,
            formatValue: formatValue
        )
        self.layout = layout
    }

    /// The chart as an `<svg>` element scaled to its container's width; `width` and `height`
    /// are its viewBox (at least 200 × 120).
    public func svg(width: Int = 720, height: Int = 260) -> String {
        let canvas = ChartCanvas(
            content: content,
            kind: layout == .grouped ? "bar" : "stacked-bar",
            width: width,
            height: height
        )
        guard !content.isEmpty else { return canvas.emptySVG() }
        switch layout {
        case .grouped:
            let values = content.drawnValues
            let scale = AxisScale(min: values.min() ?? 0, max: values.max() ?? 0)
            let summary = content.summary(kind: "Bar chart")
            return canvas.svg(scale: scale, summary: summary, legendMark: .swatch, marks: drawGrouped)
        case .stacked:
            let stacks = (0..<content.categories.count).map { stack($0) }
            let scale = AxisScale(
                min: stacks.map(\.negative).min() ?? 0,
                max: stacks.map(\.positive).max() ?? 0
            )
            var extra: [String] = []
            if let largest = stacks.compactMap(\.total).max() {
                extra.append("largest total: \(content.formatValue(largest))")
            }
            let summary = content.summary(kind: "Stacked bar chart", extra: extra)
            return canvas.svg(scale: scale, summary: summary, legendMark: .swatch, marks: drawStacked)
        }
    }

    /// A category's pile: how far it reaches above and below zero (saturating at Int's ends,
    /// which only moves the drawing, never a printed number) and its exact total, nil when
    /// that does not fit an Int.
    struct Stack: Equatable {
        var positive = 0
        var negative = 0
        var total: Int? = 0
    }

    func stack(_ category: Int) -> Stack {
        var stack = Stack()
        for series in content.series.indices {
            guard let value = content.value(series: series, category: category) else { continue }
            if value >= 0 {
                stack.positive = Self.saturatingSum(stack.positive, value)
            } else {
                stack.negative = Self.saturatingSum(stack.negative, value)
            }
            if let total = stack.total {
                let (sum, overflow) = total.addingReportingOverflow(value)
                stack.total = overflow ? nil : sum
            }
        }
        return stack
    }

    static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b > 0 ? Int.max : Int.min
    }

    private func drawGrouped(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        let seriesCount = Double(content.series.count)
        // 10% of the slot on each side separates the categories.
        let barWidth = frame.slotWidth * 0.8 / seriesCount
        for series in content.series.indices {
            writer.open("g", [("class", "chart-series"), ("fill", ChartPalette.color(series: series))])
            for category in content.categories.indices {
                guard let value = content.value(series: series, category: category) else { continue }
                let x = frame.slotLeft(category) + frame.slotWidth * 0.1 + barWidth * Double(series)
                drawBar(
                    &writer,
                    x: x,
                    width: barWidth,
                    from: frame.y(0),
                    to: frame.y(value),
                    series: series,
                    category: category,
                    value: value
                )
            }
            writer.close("g")
        }
    }

    private func drawStacked(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        let barWidth = frame.slotWidth * 0.6
        // Each category's running ends above and below zero, carried from series to series.
        var positive = [Int](repeating: 0, count: content.categories.count)
        var negative = positive
        for series in content.series.indices {
            writer.open("g", [("class", "chart-series"), ("fill", ChartPalette.color(series: series))])
            for category in content.categories.indices {
                guard let value = content.value(series: series, category: category) else { continue }
                let start = value >= 0 ? positive[category] : negative[category]
                let end = Self.saturatingSum(start, value)
                if value >= 0 { positive[category] = end } else { negative[category] = end }
                let x = frame.slotLeft(category) + frame.slotWidth * 0.2
                drawBar(
                    &writer,
                    x: x,
                    width: barWidth,
                    from: frame.y(start),
                    to: frame.y(end),
                    series: series,
                    category: category,
                    value: value
                )
            }
            writer.close("g")
        }
    }

    /// One bar between two canvas ys (already rounded, so stacked bars meet exactly).
    private func drawBar(
        _ writer: inout SVGWriter,
        x: Double,
        width: Double,
        from start: Double,
        to end: Double,
        series: Int,
        category: Int,
        value: Int
    ) {
        writer.shape(
            "rect",
            [
                ("class", "chart-bar"), ("x", SVGNumber.format(x)), ("y", SVGNumber.format(min(start, end))),
                ("width", SVGNumber.format(width)), ("height", SVGNumber.format(abs(end - start))),
            ],
            title: content.tooltip(series: series, category: category, value: value)
        )
    }
}
