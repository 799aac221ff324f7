/// A line chart as inline SVG: one line per series through its values at the categories'
/// centres, with a point (and its tooltip) at each value. A missing value breaks the line.
/// Ids and `emptyText` as for BarChart.
public struct LineChart: Sendable {
    let content: ChartContent

    public init(
        title: String,
        categories: [String],
        series: [ChartSeries],
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
    }

    /// The chart as an `<svg>` element scaled to its container's width; `width` and `height`
    /// are its viewBox (at least 200 × 120).
    public func svg(width: Int = 720, height: Int = 260) -> String {
        let canvas = ChartCanvas(content: content, kind: "line", width: width, height: height)
        guard !content.isEmpty else { return canvas.emptySVG() }
        let values = content.drawnValues
        let scale = AxisScale(min: values.min() ?? 0, max: values.max() ?? 0)
        let summary = content.summary(kind: "Line chart")
        return canvas.svg(scale: scale, summary: summary, legendMark: .stroke, marks: drawLines)
    }

    private func drawLines(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        for series in content.series.indices {
            draw(series: series, &writer, frame)
        }
    }

    private func draw(series: Int, _ writer: inout SVGWriter, _ frame: ChartFrame) {
        let color = ChartPalette.color(series: series)
        var path: [String] = []
        var previousDrawn = false
        var points: [(category: Int, value: Int, x: String, y: String)] = []
        for category in content.categories.indices {
            guard let value = content.value(series: series, category: category) else {
                previousDrawn = false
                continue
            }
            let x = SVGNumber.format(frame.slotCentre(category))
            let y = SVGNumber.format(frame.y(value))
            path.append("\(previousDrawn ? "L" : "M")\(x) \(y)")
            points.append((category, value, x, y))
            previousDrawn = true
        }
        writer.open("g", [("class", "chart-series")])
        var line = [
            ("class", "chart-line"), ("d", path.joined(separator: " ")), ("fill", "none"), ("stroke", color),
            ("stroke-width", "2"), ("stroke-linejoin", "round"),
        ]
        // Colours repeat after six series; a dash tells the seventh from the first.
        if series >= ChartPalette.series.count {
            line.append(("stroke-dasharray", "6 3"))
        }
        if !path.isEmpty {
            writer.empty("path", line)
        }
        // Closer than 8 units (a year of days), drawn points would merge into a thick band: they
        // stay, transparent, so that hovering still shows each value.
        var dot = [("r", "3"), ("fill", color)]
        if frame.slotWidth < 8 {
            dot.append(("fill-opacity", "0"))
        }
        for (category, value, x, y) in points {
            writer.shape(
                "circle",
                [("class", "chart-point"), ("cx", x), ("cy", y)] + dot,
                title: content.tooltip(series: series, category: category, value: value)
            )
        }
        writer.close("g")
    }
}
