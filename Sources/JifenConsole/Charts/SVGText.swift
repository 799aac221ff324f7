/// Caller text (titles, categories, series names, formatted values) made safe for SVG, and
/// the rough width it takes on the canvas.
enum SVGText {
    /// `text` escaped for XML character data and attribute values alike. Tabs and line breaks
    /// become spaces (a title is one line); other control characters and U+FFFE/U+FFFF, which
    /// XML 1.0 does not allow at all, are dropped.
    static func escaped(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "\t", "\n", "\r": output += " "
            default:
                if scalar.properties.generalCategory == .control || scalar.value == 0xFFFE
                    || scalar.value == 0xFFFF
                {
                    continue
                }
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// An estimate of `text`'s width in a sans-serif face: 0.6 em for Latin text, a full em for
    /// CJK and the scripts after it. Margins and label thinning only need the right order of
    /// magnitude; nothing is measured.
    static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        let ems = text.unicodeScalars.reduce(0.0) { sum, scalar in
            sum + (scalar.value >= 0x2E80 ? 1.0 : 0.6)
        }
        return ems * fontSize
    }

    /// `text` cut to about `maxWidth` with an ellipsis, whole characters only.
    static func truncated(_ text: String, maxWidth: Double, fontSize: Double) -> String {
        guard estimatedWidth(text, fontSize: fontSize) > maxWidth else { return text }
        var kept = ""
        for character in text {
            let next = kept + String(character)
            if estimatedWidth(next + "…", fontSize: fontSize) > maxWidth { break }
            kept = next
        }
        return kept + "…"
    }
}
