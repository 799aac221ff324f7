/// The id of a chart's root element (its `<title>` and `<desc>` ids derive from it), unique on
/// a page so that `aria-labelledby` points at the right title.
enum ChartID {
    /// A caller's id reduced to letters, digits, `-` and `_`, starting with a letter; nil when
    /// nothing is left.
    static func sanitized(_ id: String) -> String? {
        let kept = String(
            id.unicodeScalars.filter { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-"
                        || scalar == "_")
            }
        )
        guard let first = kept.unicodeScalars.first else { return nil }
        return first.properties.isAlphabetic ? kept : "chart-" + kept
    }

    /// `chart-` and 16 hex digits of the 64-bit FNV-1a hash of `parts`: the same chart always
    /// gets the same id (output is deterministic), different charts almost surely different ids.
    /// Two identical charts on one page would collide; such a page passes its own ids.
    static func derived(from parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            // 0xFF never occurs in UTF-8: it separates the parts, so ["ab", "c"] ≠ ["a", "bc"].
            for byte in part.utf8 + [0xFF] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return "chart-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
