/// What BarChart and LineChart share: the caller's data and words, and the questions every
/// chart asks of them.
struct ChartContent: Sendable {
    var title: String
    var categories: [String]
    var series: [ChartSeries]
    var emptyText: String
    /// The caller's own `<desc>` (in the page's language); the English summary below without it.
    var description: String? = nil
    var id: String?
    var formatValue: @Sendable (Int) -> String

    /// Nothing to draw: no categories, or no series with a value for any of them.
    var isEmpty: Bool {
        categories.isEmpty || series.allSatisfy { $0.values.isEmpty }
    }

    /// The value of series `series` at category `category`, nil where the series has none.
    func value(series: Int, category: Int) -> Int? {
        let values = self.series[series].values
        return category < values.count && category < categories.count ? values[category] : nil
    }

    /// Every drawn value, series by series.
    var drawnValues: [Int] {
        series.flatMap { $0.values.prefix(categories.count) }
    }

    /// "category · series: value", the tooltip of one bar or point.
    func tooltip(series: Int, category: Int, value: Int) -> String {
        "\(categories[category]) · \(self.series[series].name): \(formatValue(value))"
    }

    /// The root element's id: the caller's (sanitized) or one derived from everything drawn.
    func elementID(kind: String, width: Int, height: Int) -> String {
        if let id, let sanitized = ChartID.sanitized(id) { return sanitized }
        var parts = [kind, title, emptyText, "\(width)x\(height)", "\(categories.count)"] + categories
        for series in series {
            parts.append(series.name)
            parts.append(series.values.map(String.init).joined(separator: ","))
        }
        return ChartID.derived(from: parts)
    }

    /// The `<desc>`: what the chart shows in words, for screen readers (the shapes inside an
    /// `role="img"` are not read out one by one), e.g. "Bar chart: 3 series over 6 categories
    /// (Jan to Jun); largest: 1,234; smallest: 0".
    func summary(kind: String, extra: [String] = []) -> String {
        if let description { return description }
        let values = drawnValues
        guard let largest = values.max(), let smallest = values.min() else { return emptyText }
        let categoryWord = categories.count == 1 ? "category" : "categories"
        var range = ""
        if let first = categories.first, let last = categories.last {
            range = categories.count == 1 ? " (\(first))" : " (\(first) to \(last))"
        }
        let parts =
            ["\(kind): \(series.count) series over \(categories.count) \(categoryWord)\(range)"]
            + ["largest: \(formatValue(largest))", "smallest: \(formatValue(smallest))"] + extra
        return parts.joined(separator: "; ")
    }
}
