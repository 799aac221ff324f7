import Foundation
import Testing

@testable import JifenConsole

/// The console's SVG charts: the axis arithmetic, the geometry read back from the SVG, the
/// escaping of caller text, and well-formed, deterministic output for every edge the console's
/// reports can produce (no data, all zero, negative flows, a year of days, huge values).
@Suite struct ChartTests {
    // MARK: Axis scale

    @Test(arguments: [
        (0, 1000, [0, 250, 500, 750, 1000]),
        (0, 1234, [0, 500, 1000, 1500]),
        (0, 7, [0, 2, 4, 6, 8]),
        (3, 3, [0, 1, 2, 3]),
        (500, 500, [0, 200, 400, 600]),
        (0, 0, [0, 1]),
        (-300, 1000, [-500, 0, 500, 1000]),
        (-80, -20, [-80, -60, -40, -20, 0]),
        (1000, 0, [0, 250, 500, 750, 1000]),
        (
            0, 4_611_686_018_427_387_903,
            [0, 2_000_000_000_000_000_000, 4_000_000_000_000_000_000, 6_000_000_000_000_000_000]
        ),
    ])
    func scaleTicks(min: Int, max: Int, ticks: [Int]) {
        let scale = AxisScale(min: min, max: max)
        #expect(scale.ticks == ticks)
        #expect(scale.lower == ticks.first)
        #expect(scale.upper == ticks.last)
    }

    @Test func scaleAtIntsEnds() {
        let top = AxisScale(min: 0, max: Int.max)
        #expect(top.ticks == [0, 2_500_000_000_000_000_000, 5_000_000_000_000_000_000, 7_500_000_000_000_000_000])
        // No multiple of the step above Int.max exists: the axis ends at the value itself.
        #expect(top.upper == Int.max)

        let whole = AxisScale(min: Int.min, max: Int.max)
        #expect(whole.ticks == [-5_000_000_000_000_000_000, 0, 5_000_000_000_000_000_000])
        #expect(whole.lower == Int.min)
        #expect(whole.upper == Int.max)
        #expect(whole.fraction(of: 0) > 0.49 && whole.fraction(of: 0) < 0.51)
    }

    @Test func scaleInvariants() {
        let extremes = [Int.min, Int.min + 1, -1_000_001, -999, -1, 0, 1, 9, 10, 11, 99, 12_345, Int.max / 2, Int.max]
        for low in extremes {
            for high in extremes where high >= low {
                for intervals in [1, 4, 10, 100] {
                    let scale = AxisScale(min: low, max: high, intervals: intervals)
                    let context = "min \(low) max \(high) intervals \(intervals)"
                    #expect(scale.lower <= Swift.min(low, 0) && scale.upper >= Swift.max(high, 0), "\(context)")
                    #expect(scale.lower < scale.upper, "\(context)")
                    #expect(scale.ticks.contains(0), "\(context)")
                    #expect(scale.ticks == scale.ticks.sorted() && Set(scale.ticks).count == scale.ticks.count)
                    #expect(scale.ticks.allSatisfy { $0 % scale.step == 0 && $0 >= scale.lower && $0 <= scale.upper })
                    #expect(scale.ticks.count >= 2 && scale.ticks.count <= 23, "\(context): \(scale.ticks)")
                    for value in [low, high, 0] {
                        let fraction = scale.fraction(of: value)
                        #expect(fraction.isFinite && fraction >= 0 && fraction <= 1, "\(context)")
                    }
                }
            }
        }
    }

    @Test func niceSteps() {
        #expect(AxisScale.niceStep(atLeast: 0) == 1)
        #expect(AxisScale.niceStep(atLeast: 1) == 1)
        #expect(AxisScale.niceStep(atLeast: 3) == 5)
        #expect(AxisScale.niceStep(atLeast: 11) == 20)
        #expect(AxisScale.niceStep(atLeast: 21) == 25)
        #expect(AxisScale.niceStep(atLeast: 26) == 50)
        #expect(AxisScale.niceStep(atLeast: 51) == 100)
        #expect(AxisScale.niceStep(atLeast: 100) == 100)
        #expect(AxisScale.niceStep(atLeast: UInt(Int.max)) == 5_000_000_000_000_000_000)
    }

    // MARK: Bars

    @Test func barHeightsAreProportional() throws {
        let svg = BarChart(
            title: "Orders",
            categories: ["a", "b"],
            series: [ChartSeries(name: "n", values: [100, 300])]
        )
        .svg()
        let document = try SVGDocument.parse(svg)
        let bars = document.all("rect", class: "chart-bar")
        try #require(bars.count == 2)
        let heights = bars.map { $0.number("height") ?? 0 }
        #expect(heights[0] > 0)
        #expect(abs(heights[1] / heights[0] - 3) < 0.01, "\(heights)")
        // Both stand on the baseline.
        let baseline = try #require(document.all("line", class: "chart-axis").first?.number("y1"))
        for bar in bars {
            #expect(abs((bar.number("y") ?? 0) + (bar.number("height") ?? 0) - baseline) < 0.05)
        }
        // The larger reaches the top tick (300).
        #expect(abs((bars[1].number("y") ?? 0) - tickY(document, "300")) < 0.05)
    }

    @Test func groupedBarsSitSideBySide() throws {
        let chart = BarChart(
            title: "Flows",
            categories: ["Jan", "Feb", "Mar"],
            series: [
                ChartSeries(name: "Earned", values: [10, 20, 30]), ChartSeries(name: "Redeemed", values: [5, 15, 25]),
            ]
        )
        let document = try SVGDocument.parse(chart.svg())
        let bars = document.all("rect", class: "chart-bar")
        #expect(bars.count == 6)
        // Series by series: Jan Earned, Feb Earned, …; Jan Redeemed is right of Jan Earned.
        let janEarned = bars[0]
        let janRedeemed = bars[3]
        #expect((janRedeemed.number("x") ?? 0) > (janEarned.number("x") ?? 0))
        #expect((janRedeemed.number("x") ?? 0) < (bars[1].number("x") ?? 0))
        #expect(document.title(of: janRedeemed) == "Jan · Redeemed: 5")
    }

    @Test func stackedTotals() throws {
        let chart = BarChart(
            title: "Liability",
            categories: ["Oct", "Nov"],
            series: [
                ChartSeries(name: "Available", values: [100, 50]),
                ChartSeries(name: "Pending", values: [200, 150]),
                ChartSeries(name: "Debt", values: [-100, 0]),
            ],
            layout: .stacked
        )
        let svg = chart.svg()
        let document = try SVGDocument.parse(svg)
        #expect(document.all("text", class: "chart-tick").map(\.text) == ["-100", "0", "100", "200", "300"])
        let bars = document.all("rect", class: "chart-bar")
        try #require(bars.count == 6)
        let (octAvailable, novAvailable, octPending, novPending, octDebt) = (
            bars[0], bars[1], bars[2], bars[3], bars[4]
        )
        let zero = tickY(document, "0")
        // Oct: Available from 0 up, Pending on top of it up to 300, Debt from 0 down to -100.
        #expect(abs(bottom(octAvailable) - zero) < 0.05)
        #expect(abs(bottom(octPending) - (octAvailable.number("y") ?? 0)) < 0.05)
        #expect(abs((octPending.number("y") ?? 0) - tickY(document, "300")) < 0.05)
        #expect(abs((octDebt.number("y") ?? 0) - zero) < 0.05)
        #expect(abs(bottom(octDebt) - tickY(document, "-100")) < 0.05)
        // Nov's pile ends at 200; its bars share one x.
        #expect(abs((novPending.number("y") ?? 0) - tickY(document, "200")) < 0.05)
        #expect(novAvailable.number("x") == novPending.number("x"))
        #expect(document.all("desc").first?.text.contains("largest total: 200") == true)
    }

    @Test func stackedTotalThatOverflowsIsLeftOut() throws {
        let huge = Int.max / 2 + 1
        let chart = BarChart(
            title: "Huge",
            categories: ["a"],
            series: [ChartSeries(name: "x", values: [huge]), ChartSeries(name: "y", values: [huge])],
            layout: .stacked
        )
        #expect(chart.stack(0) == BarChart.Stack(positive: Int.max, negative: 0, total: nil))
        let document = try SVGDocument.parse(chart.svg())
        let desc = try #require(document.all("desc").first?.text)
        #expect(!desc.contains("largest total"))
        #expect(desc.contains("largest: \(huge)"))
    }

    @Test func negativeValuesHangBelowTheZeroLine() throws {
        let chart = BarChart(
            title: "Net flow",
            categories: ["Jan", "Feb"],
            series: [ChartSeries(name: "Net", values: [-200, 400])]
        )
        let document = try SVGDocument.parse(chart.svg())
        let zero = try #require(document.all("line", class: "chart-zero").first?.number("y1"))
        #expect(document.all("line", class: "chart-axis").isEmpty)
        let bars = document.all("rect", class: "chart-bar")
        try #require(bars.count == 2)
        #expect(abs((bars[0].number("y") ?? 0) - zero) < 0.05)
        #expect(bottom(bars[0]) > zero + 1)
        #expect(abs(bottom(bars[1]) - zero) < 0.05)
        #expect(abs(bottom(bars[0]) - tickY(document, "-200")) < 0.05)
        #expect(document.title(of: bars[0]) == "Jan · Net: -200")

        let positive = BarChart(title: "t", categories: ["a"], series: [ChartSeries(name: "n", values: [1])]).svg()
        #expect(try SVGDocument.parse(positive).all("line", class: "chart-zero").isEmpty)
    }

    // MARK: Text

    @Test func callerTextIsEscaped() throws {
        let hostile = "<script>&\"'"
        let chart = BarChart(
            title: hostile,
            categories: ["a<b", "c&d\u{0}\u{7}"],
            series: [ChartSeries(name: "x\"y", values: [1, 2]), ChartSeries(name: "</svg>", values: [3, 4])],
            formatValue: { "<\($0)>" }
        )
        let svg = chart.svg()
        #expect(!svg.contains("<script>"))
        #expect(!svg.contains("a<b"))
        #expect(!svg.contains("\u{0}") && !svg.contains("\u{7}"))
        #expect(svg.contains("&lt;script&gt;&amp;&quot;&#39;"))
        let document = try SVGDocument.parse(svg)
        #expect(document.all("svg").count == 1)
        #expect(document.all("script").isEmpty)
        #expect(document.root.children.map { document.elements[$0].name }.first == "title")
        #expect(document.elements[document.root.children[0]].text == hostile)
        let bars = document.all("rect", class: "chart-bar")
        #expect(document.title(of: bars[1]) == "c&d · x\"y: <2>")
        #expect(document.all("text", class: "chart-legend-label").map(\.text) == ["x\"y", "</svg>"])
    }

    @Test func escaping() {
        #expect(SVGText.escaped("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(SVGText.escaped("tab\tline\nend\r") == "tab line end ")
        #expect(SVGText.escaped("\u{0}\u{1b}[31m\u{7f}\u{85}ok\u{FFFE}") == "[31mok")
        #expect(SVGText.escaped("积分 · ok") == "积分 · ok")
    }

    @Test func truncation() {
        #expect(SVGText.truncated("short", maxWidth: 96, fontSize: 12) == "short")
        let cut = SVGText.truncated(String(repeating: "x", count: 40), maxWidth: 96, fontSize: 12)
        #expect(cut.hasSuffix("…") && SVGText.estimatedWidth(cut, fontSize: 12) <= 96)
        #expect(SVGText.estimatedWidth("积分", fontSize: 12) == 24)
    }

    @Test func numbers() {
        #expect(SVGNumber.format(12) == "12")
        #expect(SVGNumber.format(12.34) == "12.3")
        #expect(SVGNumber.format(-0.04) == "0")
        #expect(SVGNumber.format(-0.06) == "-0.1")
        #expect(SVGNumber.format(.nan) == "0")
        #expect(SVGNumber.format(-.infinity) == "0")
    }

    @Test func descriptionSummarisesTheData() throws {
        let chart = BarChart(
            title: "Points",
            categories: ["Jan", "Feb", "Mar"],
            series: [
                ChartSeries(name: "Earned", values: [1234, 5, 7]), ChartSeries(name: "Expired", values: [-5, 0]),
            ],
            formatValue: { $0.formatted(.number.locale(Locale(identifier: "en_US"))) }
        )
        let document = try SVGDocument.parse(chart.svg())
        let desc = try #require(document.all("desc").first)
        #expect(desc.text == "Bar chart: 2 series over 3 categories (Jan to Mar); largest: 1,234; smallest: -5")
        let id = try #require(document.root.attributes["id"])
        #expect(document.root.attributes["aria-labelledby"] == "\(id)-title")
        #expect(document.root.attributes["aria-describedby"] == "\(id)-desc")
        #expect(desc.attributes["id"] == "\(id)-desc")
        #expect(document.all("title").first?.attributes["id"] == "\(id)-title")
        #expect(document.root.attributes["role"] == "img")
        #expect(document.root.attributes["class"] == "chart")
        #expect(document.root.attributes["viewBox"] == "0 0 720 260")
        #expect(document.root.attributes["width"] == "100%")
        // A missing value is no bar: 3 + 2.
        #expect(document.all("rect", class: "chart-bar").count == 5)
    }

    // MARK: Ids and determinism

    @Test func outputIsDeterministicAndIdsDiffer() throws {
        func chart(_ title: String, id: String? = nil) -> BarChart {
            BarChart(title: title, categories: ["a", "b"], series: [ChartSeries(name: "n", values: [1, 2])], id: id)
        }
        #expect(chart("A").svg() == chart("A").svg())
        let first = try SVGDocument.parse(chart("A").svg()).root.attributes["id"]
        let second = try SVGDocument.parse(chart("B").svg()).root.attributes["id"]
        let line = try SVGDocument.parse(
            LineChart(title: "A", categories: ["a", "b"], series: [ChartSeries(name: "n", values: [1, 2])]).svg()
        ).root.attributes["id"]
        #expect(first != second && first != line)
        #expect(first?.hasPrefix("chart-") == true && first?.count == 22)

        #expect(try SVGDocument.parse(chart("A", id: "flows-1").svg()).root.attributes["id"] == "flows-1")
        #expect(try SVGDocument.parse(chart("A", id: "1 <x>").svg()).root.attributes["id"] == "chart-1x")
        #expect(ChartID.sanitized("<>") == nil)
        #expect(ChartID.derived(from: ["ab", "c"]) != ChartID.derived(from: ["a", "bc"]))
    }

    // MARK: Empty, many, legend, extremes

    @Test func emptyData() throws {
        let charts = [
            BarChart(title: "Nothing", categories: [], series: [ChartSeries(name: "n", values: [1])]).svg(),
            BarChart(title: "Nothing", categories: ["a"], series: []).svg(),
            BarChart(
                title: "Nothing",
                categories: ["a"],
                series: [ChartSeries(name: "n", values: [])],
                layout: .stacked
            )
            .svg(),
            LineChart(title: "Nothing", categories: ["a", "b"], series: [ChartSeries(name: "n", values: [])]).svg(),
        ]
        for svg in charts {
            let document = try SVGDocument.parse(svg)
            #expect(document.all("title").first?.text == "Nothing")
            #expect(document.all("desc").first?.text == "No data")
            #expect(document.all("text", class: "chart-empty").map(\.text) == ["No data"])
            #expect(document.all("rect").isEmpty && document.all("circle").isEmpty)
        }
        let localized = BarChart(title: "积分", categories: [], series: [], emptyText: "暂无数据").svg()
        #expect(try SVGDocument.parse(localized).all("text", class: "chart-empty").map(\.text) == ["暂无数据"])
    }

    @Test func manyCategoriesAreTurnedAndThinned() throws {
        let months = (1...24).map { "20\(25 + ($0 - 1) / 12)-\(String(format: "%02d", ($0 - 1) % 12 + 1))" }
        let monthly = try SVGDocument.parse(
            BarChart(title: "Monthly", categories: months, series: [ChartSeries(name: "n", values: Array(1...24))])
                .svg()
        )
        let monthLabels = monthly.inside(class: "chart-categories", "text")
        #expect(monthLabels.count == 24)
        #expect(monthLabels.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-45") == true })
        #expect(monthLabels.first?.text == "2025-01")

        let days = (0..<365).map { "Day \($0)" }
        let daily = try SVGDocument.parse(
            LineChart(title: "Daily", categories: days, series: [ChartSeries(name: "n", values: Array(0..<365))]).svg()
        )
        let dayLabels = daily.inside(class: "chart-categories", "text")
        #expect(dayLabels.count > 10 && dayLabels.count < 60, "\(dayLabels.count)")
        #expect(daily.all("circle", class: "chart-point").count == 365)
        // A year of points would merge into a band: they stay for their tooltips, unfilled.
        #expect(daily.all("circle", class: "chart-point").allSatisfy { $0.attributes["fill-opacity"] == "0" })

        let few = try SVGDocument.parse(
            BarChart(title: "Few", categories: ["Jan", "Feb"], series: [ChartSeries(name: "n", values: [1, 2])]).svg()
        )
        let fewLabels = few.inside(class: "chart-categories", "text")
        #expect(fewLabels.map(\.text) == ["Jan", "Feb"])
        #expect(fewLabels.allSatisfy { $0.attributes["transform"] == nil })

        let long = (1...10).map { "Category \($0)" }.joined(separator: " ")
        let cut = try SVGDocument.parse(
            BarChart(
                title: "Long",
                categories: [long, long, long, long, long, long, long, long],
                series: [
                    ChartSeries(name: "n", values: [1])
                ]
            ).svg()
        )
        let cutLabel = try #require(cut.inside(class: "chart-categories", "text").first)
        #expect(cutLabel.text.hasSuffix("…"))
        #expect(cut.title(of: cutLabel) == long)
    }

    @Test func legendOnlyForTwoOrMoreSeries() throws {
        let one = try SVGDocument.parse(
            BarChart(title: "One", categories: ["a"], series: [ChartSeries(name: "Only", values: [1])]).svg()
        )
        #expect(one.all("g", class: "chart-legend").isEmpty)
        #expect(!one.all("text").contains { $0.text == "Only" })

        let two = try SVGDocument.parse(
            LineChart(
                title: "Two",
                categories: ["a"],
                series: [ChartSeries(name: "Earned", values: [1]), ChartSeries(name: "Redeemed", values: [2])]
            ).svg()
        )
        #expect(two.all("text", class: "chart-legend-label").map(\.text) == ["Earned", "Redeemed"])
        let swatches = two.inside(class: "chart-legend", "line")
        #expect(swatches.map { $0.attributes["stroke"] } == [ChartPalette.series[0], ChartPalette.series[1]])
    }

    @Test func extremeValuesStayFinite() throws {
        let huge = Int.max / 2
        let datasets: [[ChartSeries]] = [
            [ChartSeries(name: "zero", values: [0, 0, 0])],
            [
                ChartSeries(name: "huge", values: [huge, 0, -huge]),
                ChartSeries(name: "more", values: [huge, huge, 1]),
            ],
            [ChartSeries(name: "ends", values: [Int.max, Int.min, 0])],
        ]
        for series in datasets {
            let charts = [
                BarChart(title: "t", categories: ["a", "b", "c"], series: series).svg(),
                BarChart(title: "t", categories: ["a", "b", "c"], series: series, layout: .stacked).svg(),
                LineChart(title: "t", categories: ["a", "b", "c"], series: series).svg(),
                BarChart(title: "t", categories: ["a", "b", "c"], series: series).svg(width: 1, height: -5),
            ]
            for svg in charts {
                let lowered = svg.lowercased()
                #expect(!lowered.contains("nan") && !lowered.contains("inf"), "\(svg)")
                let document = try SVGDocument.parse(svg)
                // Every coordinate (the root's width is "100%").
                for element in document.elements.dropFirst() {
                    for key in ["x", "y", "width", "height", "cx", "cy", "x1", "y1"] {
                        if let value = element.attributes[key] {
                            #expect(Double(value)?.isFinite == true, "\(key)=\(value)")
                        }
                    }
                }
            }
        }
        // Printed numbers are exact Ints, never Doubles rounded.
        let document = try SVGDocument.parse(
            BarChart(title: "t", categories: ["a"], series: [ChartSeries(name: "n", values: [huge])]).svg()
        )
        #expect(document.title(of: document.all("rect", class: "chart-bar")[0]) == "a · n: \(huge)")
        #expect(document.all("text", class: "chart-tick").map(\.text).last == "6000000000000000000")

        let zeros = try SVGDocument.parse(
            BarChart(title: "t", categories: ["a"], series: [ChartSeries(name: "n", values: [0])]).svg()
        )
        #expect(zeros.all("text", class: "chart-tick").map(\.text) == ["0", "1"])
        #expect(zeros.all("rect", class: "chart-bar").first?.number("height") == 0)
    }

    @Test func longTickLabelsLeaveRoomForThePlot() throws {
        let chart = BarChart(
            title: "t",
            categories: ["a", "b"],
            series: [ChartSeries(name: "n", values: [1, 2])],
            formatValue: { String(repeating: "9", count: 200) + String($0) }
        )
        let bars = try SVGDocument.parse(chart.svg()).all("rect", class: "chart-bar")
        let left = try #require(bars.first?.number("x"))
        let right = try #require(bars.last.flatMap { bar in bar.number("x").map { $0 + (bar.number("width") ?? 0) } })
        #expect(left >= 240 && left < right && right <= 720, "\(left) \(right)")
    }

    // MARK: Lines

    @Test func linePointsAndGaps() throws {
        let chart = LineChart(
            title: "Members",
            categories: ["Jan", "Feb", "Mar", "Apr"],
            series: [
                ChartSeries(name: "Active", values: [100, 200, 0, 400]),
                ChartSeries(name: "New", values: [50, 75]),
            ]
        )
        let document = try SVGDocument.parse(chart.svg())
        let paths = document.all("path", class: "chart-line")
        #expect(paths.count == 2)
        #expect(paths[0].attributes["d"]?.filter { $0 == "M" }.count == 1)
        #expect(paths[0].attributes["d"]?.filter { $0 == "L" }.count == 3)
        let points = document.all("circle", class: "chart-point")
        #expect(points.count == 6)
        #expect(points.allSatisfy { $0.attributes["fill-opacity"] == nil })
        #expect(abs((points[3].number("cy") ?? 0) - tickY(document, "400")) < 0.05)
        #expect(abs((points[2].number("cy") ?? 0) - tickY(document, "0")) < 0.05)
        #expect(document.title(of: points[5]) == "Feb · New: 75")

        let gap = LineChart(
            title: "Gap",
            categories: ["a", "b", "c"],
            series: [ChartSeries(name: "n", values: [1, 2]), ChartSeries(name: "m", values: [1])]
        )
        #expect(try SVGDocument.parse(gap.svg()).all("circle").count == 3)
    }

    @Test func seventhLineIsDashed() throws {
        let series = (0..<7).map { ChartSeries(name: "s\($0)", values: [$0, $0 + 1]) }
        let document = try SVGDocument.parse(LineChart(title: "t", categories: ["a", "b"], series: series).svg())
        let paths = document.all("path", class: "chart-line")
        #expect(paths.count == 7)
        #expect(paths[6].attributes["stroke"] == paths[0].attributes["stroke"])
        #expect(paths[6].attributes["stroke-dasharray"] != nil && paths[0].attributes["stroke-dasharray"] == nil)
    }

    // MARK: Colours

    @Test func paletteContrast() {
        #expect(ChartPalette.series.count <= 6 && Set(ChartPalette.series).count == ChartPalette.series.count)
        for color in ChartPalette.series {
            #expect(contrastAgainstWhite(color) >= 3, "\(color)")
        }
        #expect(contrastAgainstWhite(ChartPalette.text) >= 4.5)
        #expect(contrastAgainstWhite(ChartPalette.mutedText) >= 4.5)
    }

    // MARK: Helpers

    /// The canvas y of the tick labelled `label`.
    private func tickY(_ document: SVGDocument, _ label: String) -> Double {
        document.all("text", class: "chart-tick").first { $0.text == label }?.number("y") ?? -1
    }

    private func bottom(_ bar: SVGDocument.Element) -> Double {
        (bar.number("y") ?? 0) + (bar.number("height") ?? 0)
    }

    /// WCAG 2 contrast ratio of `hex` (#rrggbb) against white.
    private func contrastAgainstWhite(_ hex: String) -> Double {
        let channels = stride(from: 1, to: 7, by: 2).map { offset -> Double in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            let value = Double(Int(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0) / 255
            return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
        return 1.05 / (luminance + 0.05)
    }
}
