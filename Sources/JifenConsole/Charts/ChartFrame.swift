/// Where things go on the canvas: the plot area inside the margins left for the legend (top),
/// the tick labels (left) and the category labels (bottom), and how those labels are drawn.
/// Text widths are estimates (SVGText.estimatedWidth): nothing is measured on the server.
struct ChartFrame {
    static let fontSize = 12.0
    static let padding = 8.0
    static let legendRowHeight = 18.0
    static let maxLegendLabelWidth = 160.0
    static let maxRotatedLabelWidth = 96.0
    /// The smallest canvas laid out; smaller requests get this size (the SVG scales anyway).
    static let minimumWidth = 200
    static let minimumHeight = 120

    struct LegendItem: Equatable {
        var series: Int
        var label: String
        var x: Double
        var y: Double
    }

    /// Category labels are written level when the widest fits its slot; otherwise they are
    /// turned 45° and, when even that crowds them (e.g. a year of days), only every n-th is
    /// written (the bars' tooltips still name every category).
    enum CategoryLabels: Equatable {
        case level
        case rotated(every: Int)
    }

    let width: Double
    let height: Double
    let scale: AxisScale
    let plotLeft: Double
    let plotTop: Double
    let plotWidth: Double
    let plotHeight: Double
    let legend: [LegendItem]
    let categoryLabels: CategoryLabels
    /// The category labels as written (rotated ones are cut to `maxRotatedLabelWidth`).
    let labels: [String]

    init(categories: [String], seriesNames: [String], scale: AxisScale, tickLabels: [String], width: Int, height: Int) {
        let fontSize = Self.fontSize
        let padding = Self.padding
        let width = Double(max(width, Self.minimumWidth))
        let height = Double(max(height, Self.minimumHeight))
        self.width = width
        self.height = height
        self.scale = scale

        // A legend only tells series apart: none for a single series.
        var legend: [LegendItem] = []
        var legendBottom = padding
        if seriesNames.count >= 2 {
            var x = padding
            var y = padding
            for (index, name) in seriesNames.enumerated() {
                let label = SVGText.truncated(name, maxWidth: Self.maxLegendLabelWidth, fontSize: fontSize)
                let itemWidth = 14 + SVGText.estimatedWidth(label, fontSize: fontSize) + 16
                if x > padding && x + itemWidth > width - padding {
                    x = padding
                    y += Self.legendRowHeight
                }
                legend.append(LegendItem(series: index, label: label, x: x, y: y))
                x += itemWidth
            }
            legendBottom = y + Self.legendRowHeight
        }
        self.legend = legend
        // Room above the plot for the upper half of the top tick label.
        plotTop = legendBottom + fontSize / 2 + 2

        // A third of the canvas at most, whatever `formatValue` writes: the plot keeps the rest.
        let tickWidth = min(tickLabels.map { SVGText.estimatedWidth($0, fontSize: fontSize) }.max() ?? 0, width / 3)
        var left = padding + tickWidth + 6
        let right = width - padding
        let count = Double(max(categories.count, 1))
        let widest = categories.map { SVGText.estimatedWidth($0, fontSize: fontSize) }.max() ?? 0

        let bottom: Double
        if widest + 4 <= (right - left) / count {
            categoryLabels = .level
            labels = categories
            bottom = fontSize + 10
        } else {
            let longest = min(widest, Self.maxRotatedLabelWidth)
            // A label turned 45° reaches left of its slot's centre by its width / √2.
            left = max(left, padding + longest * 0.7071 - (right - left) / count / 2)
            let slot = (right - left) / count
            // Rotated labels need about 1.5 lines of horizontal room each.
            let every = max(1, Int((fontSize * 1.5 / slot).rounded(.up)))
            categoryLabels = .rotated(every: every)
            labels = categories.map {
                SVGText.truncated($0, maxWidth: Self.maxRotatedLabelWidth, fontSize: fontSize)
            }
            bottom = longest * 0.7071 + fontSize + 8
        }
        plotLeft = left
        plotWidth = max(right - left, 10)
        plotHeight = max(height - bottom - plotTop, 10)
    }

    var plotBottom: Double { plotTop + plotHeight }

    var slotWidth: Double { plotWidth / Double(max(labels.count, 1)) }

    func slotLeft(_ category: Int) -> Double {
        plotLeft + slotWidth * Double(category)
    }

    func slotCentre(_ category: Int) -> Double {
        slotLeft(category) + slotWidth / 2
    }

    /// The canvas y of `value` (the axis grows upward), rounded as it will be written.
    func y(_ value: Int) -> Double {
        SVGNumber.rounded(plotTop + plotHeight * (1 - scale.fraction(of: value)))
    }
}
