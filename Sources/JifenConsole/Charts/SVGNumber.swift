/// Coordinates as SVG numbers: one decimal, no exponent, no locale, never NaN or infinity
/// (a non-finite value, which layout should never produce, is written as 0).
enum SVGNumber {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        // Canvases are a few thousand units; the clamp only keeps Int(_:) from trapping.
        let tenths = Int((Swift.min(Swift.max(value, -1e9), 1e9) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let whole = abs(tenths) / 10
        let fraction = abs(tenths) % 10
        return fraction == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// `value` rounded to what `format` writes, so that shapes sharing an edge (stacked bars)
    /// meet exactly.
    static func rounded(_ value: Double) -> Double {
        guard value.isFinite else { return 0 }
        return (value * 10).rounded() / 10
    }
}
