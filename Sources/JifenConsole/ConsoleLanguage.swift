import Foundation

/// The console's languages. Chosen by the `jifen_lang` cookie (the switch on every page) or,
/// without one, by the browser's `Accept-Language`; English when neither names one we have.
public enum ConsoleLanguage: String, CaseIterable, Sendable {
    case en
    case zhHans = "zh-Hans"

    public var catalogue: [String: String] {
        switch self {
        case .en: Catalogue.en
        case .zhHans: Catalogue.zhHans
        }
    }

    /// The text of `key`, with each `{name}` replaced from `values`. A key missing from the
    /// catalogue shows as itself (a test keeps both catalogues complete).
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = catalogue[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    public static func negotiate(cookie: String?, acceptLanguage: String?) -> ConsoleLanguage {
        if let cookie, let chosen = ConsoleLanguage(rawValue: cookie) { return chosen }
        guard let acceptLanguage else { return .en }
        // "zh-CN,zh;q=0.9,en;q=0.8": the highest quality first, ties in the order given.
        let ranges = acceptLanguage.split(separator: ",").enumerated().compactMap {
            index,
            part -> (tag: String, quality: Double, index: Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { return nil }
            var quality = 1.0
            for piece in pieces.dropFirst() where piece.hasPrefix("q=") {
                quality = Double(piece.dropFirst(2)) ?? 0
            }
            return (tag, quality, index)
        }
        let ordered = ranges.filter { $0.quality > 0 }.sorted {
            $0.quality != $1.quality ? $0.quality > $1.quality : $0.index < $1.index
        }
        for range in ordered {
            if range.tag == "zh" || range.tag.hasPrefix("zh-") { return .zhHans }
            if range.tag == "en" || range.tag.hasPrefix("en-") { return .en }
        }
        return .en
    }
}
