/// Draws what every chart has around its marks: the root `<svg>` with its title and
/// description, the grid with the tick labels, the baseline (a darker zero line when the axis
/// goes below zero), the category labels and the legend; or the "No data" chart.
struct ChartCanvas {
    /// How the legend shows a series: a filled square (bars) or a short stroke (lines, dashed
    /// from the seventh series on, like the lines themselves).
    enum LegendMark {
        case swatch
        case stroke
    }

    let content: ChartContent
    /// Part of the derived id, so a bar and a line chart of the same data differ.
    let kind: String
    let width: Int
    let height: Int

    init(content: ChartContent, kind: String, width: Int, height: Int) {
        self.content = content
        self.kind = kind
        self.width = max(width, ChartFrame.minimumWidth)
        self.height = max(height, ChartFrame.minimumHeight)
    }

    /// The chart with `emptyText` in its middle; its title stays, its description is `emptyText`.
    func emptySVG() -> String {
        var writer = SVGWriter()
        openRoot(&writer, summary: content.emptyText)
        writer.text(
            "text",
            [
                ("class", "chart-empty"), ("x", SVGNumber.format(Double(width) / 2)),
                ("y", SVGNumber.format(Double(height) / 2)), ("text-anchor", "middle"),
                ("dominant-baseline", "middle"), ("fill", ChartPalette.text),
            ],
            content.emptyText
        )
        writer.close("svg")
        return writer.output
    }

    /// The chart on `scale`; `marks` draws the bars or lines into the frame's plot area.
    func svg(
        scale: AxisScale,
        summary: String,
        legendMark: LegendMark,
        marks: (inout SVGWriter, ChartFrame) -> Void
    ) -> String {
        let frame = ChartFrame(
            categories: content.categories,
            seriesNames: content.series.map(\.name),
            scale: scale,
            tickLabels: scale.ticks.map(content.formatValue),
            width: width,
            height: height
        )
        var writer = SVGWriter()
        openRoot(&writer, summary: summary)
        drawGrid(&writer, frame)
        writer.open("g", [("class", "chart-marks")])
        marks(&writer, frame)
        writer.close("g")
        drawBaseline(&writer, frame)
        drawCategoryLabels(&writer, frame)
        drawLegend(&writer, frame, mark: legendMark)
        writer.close("svg")
        return writer.output
    }

    private func openRoot(_ writer: inout SVGWriter, summary: String) {
        let id = content.elementID(kind: kind, width: width, height: height)
        writer.open(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("id", id), ("class", "chart"), ("role", "img"),
                ("aria-labelledby", "\(id)-title"), ("aria-describedby", "\(id)-desc"),
                ("viewBox", "0 0 \(width) \(height)"), ("width", "100%"),
                ("font-family", "system-ui, sans-serif"), ("font-size", SVGNumber.format(ChartFrame.fontSize)),
                // axe-core reads CSS `color` for contrast; the text's fill is the same colour.
                ("color", ChartPalette.text),
            ]
        )
        writer.text("title", [("id", "\(id)-title")], content.title)
        writer.text("desc", [("id", "\(id)-desc")], summary)
    }

    private func drawGrid(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        writer.open("g", [("class", "chart-grid")])
        let left = SVGNumber.format(frame.plotLeft)
        let right = SVGNumber.format(frame.plotLeft + frame.plotWidth)
        for tick in frame.scale.ticks {
            let y = SVGNumber.format(frame.y(tick))
            writer.empty(
                "line",
                [("x1", left), ("x2", right), ("y1", y), ("y2", y), ("stroke", ChartPalette.grid)]
            )
            writer.text(
                "text",
                [
                    ("class", "chart-tick"), ("x", SVGNumber.format(frame.plotLeft - 6)), ("y", y),
                    ("dy", "0.32em"), ("text-anchor", "end"), ("fill", ChartPalette.mutedText),
                ],
                content.formatValue(tick)
            )
        }
        writer.close("g")
    }

    /// The line at zero, over the marks: a "chart-zero" line when values go below it, else the
    /// plot's bottom edge.
    private func drawBaseline(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        let y = SVGNumber.format(frame.y(0))
        writer.empty(
            "line",
            [
                ("class", frame.scale.lower < 0 ? "chart-zero" : "chart-axis"),
                ("x1", SVGNumber.format(frame.plotLeft)), ("x2", SVGNumber.format(frame.plotLeft + frame.plotWidth)),
                ("y1", y), ("y2", y), ("stroke", ChartPalette.text), ("stroke-width", "1"),
            ]
        )
    }

    private func drawCategoryLabels(_ writer: inout SVGWriter, _ frame: ChartFrame) {
        writer.open("g", [("class", "chart-categories"), ("fill", ChartPalette.mutedText)])
        for (index, label) in frame.labels.enumerated() {
            let centre = frame.slotCentre(index)
            let attributes: [(String, String)]
            switch frame.categoryLabels {
            case .level:
                attributes = [
                    ("x", SVGNumber.format(centre)),
                    ("y", SVGNumber.format(frame.plotBottom + ChartFrame.fontSize + 4)),
                    ("text-anchor", "middle"),
                ]
            case .rotated(let every):
                guard index % every == 0 else { continue }
                // The label's end sits under the slot's centre, then turns up to the left.
                let x = SVGNumber.format(centre + ChartFrame.fontSize * 0.3)
                let y = SVGNumber.format(frame.plotBottom + 10)
                attributes = [("x", x), ("y", y), ("text-anchor", "end"), ("transform", "rotate(-45 \(x) \(y))")]
            }
            if label != content.categories[index] {
                // A cut label keeps the whole category as its tooltip.
                writer.open("text", attributes)
                writer.text("title", [], content.categories[index])
                writer.raw(SVGText.escaped(label))
                writer.close("text")
            } else {
                writer.text("text", attributes, label)
            }
        }
        writer.close("g")
    }

    private func drawLegend(_ writer: inout SVGWriter, _ frame: ChartFrame, mark: LegendMark) {
        guard !frame.legend.isEmpty else { return }
        writer.open("g", [("class", "chart-legend")])
        for item in frame.legend {
            let color = ChartPalette.color(series: item.series)
            switch mark {
            case .swatch:
                writer.empty(
                    "rect",
                    [
                        ("class", "chart-swatch"), ("x", SVGNumber.format(item.x)),
                        ("y", SVGNumber.format(item.y + 2)), ("width", "10"), ("height", "10"), ("fill", color),
                    ]
                )
            case .stroke:
                var attributes = [
                    ("class", "chart-swatch"), ("x1", SVGNumber.format(item.x)),
                    ("x2", SVGNumber.format(item.x + 10)), ("y1", SVGNumber.format(item.y + 7)),
                    ("y2", SVGNumber.format(item.y + 7)), ("stroke", color), ("stroke-width", "3"),
                ]
                if item.series >= ChartPalette.series.count {
                    attributes.append(("stroke-dasharray", "3 2"))
                }
                writer.empty("line", attributes)
            }
            writer.text(
                "text",
                [
                    ("class", "chart-legend-label"), ("x", SVGNumber.format(item.x + 14)),
                    ("y", SVGNumber.format(item.y + 11)), ("fill", ChartPalette.text),
                ],
                item.label
            )
        }
        writer.close("g")
    }
}
