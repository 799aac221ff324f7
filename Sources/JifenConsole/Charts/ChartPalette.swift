/// The charts' colours. Series colours are graphical objects: each has a contrast of at least
/// 3:1 against white (WCAG 1.4.11); text is dark enough for 4.5:1 (WCAG 1.4.3), which the
/// console's axe-core check verifies in the browser and ChartTests verifies here.
enum ChartPalette {
    /// Tailwind's blue-600, orange-700, emerald-700, violet-600, pink-700 and cyan-700: six hues
    /// that stay apart for the common colour-vision deficiencies. A seventh series reuses the
    /// first colour (line charts then dash it).
    static let series = ["#2563eb", "#c2410c", "#047857", "#7c3aed", "#be185d", "#0e7490"]
    /// Titles, legend labels, the zero line.
    static let text = "#1f2937"
    /// Tick and category labels.
    static let mutedText = "#374151"
    /// Grid lines: decoration only (the tick labels carry the values), so no contrast minimum.
    static let grid = "#e5e7eb"

    static func color(series index: Int) -> String {
        series[index % series.count]
    }
}
