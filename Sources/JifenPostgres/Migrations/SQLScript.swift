import Foundation

/// Splits a migration file into statements. PostgresNIO sends every query through the
/// extended protocol, which takes one statement at a time.
///
/// Understands what can hide a `;`: quoted strings (`'…'`, `"…"`), dollar-quoted bodies
/// (`$$…$$`, `$tag$…$tag$`), and comments (`-- …`, `/* … */`).
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty && !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }

        while index < chars.count {
            let char = chars[index]
            let next: Unicode.Scalar? = index + 1 < chars.count ? chars[index + 1] : nil
            switch char {
            case "'", "\"":
                let end = closing(char, in: chars, from: index + 1)
                current.append(contentsOf: chars[index..<end])
                index = end
            case "-" where next == "-":
                var end = index
                while end < chars.count && chars[end] != "\n" { end += 1 }
                current.append(contentsOf: chars[index..<end])
                index = end
            case "/" where next == "*":
                var end = index + 2
                while end + 1 < chars.count && !(chars[end] == "*" && chars[end + 1] == "/") { end += 1 }
                end = min(end + 2, chars.count)
                current.append(contentsOf: chars[index..<end])
                index = end
            case "$":
                if let tagEnd = dollarTagEnd(chars, from: index) {
                    let tag = Array(chars[index...tagEnd])
                    var end = tagEnd + 1
                    while end < chars.count && !matches(tag, in: chars, at: end) { end += 1 }
                    end = min(end + tag.count, chars.count)
                    current.append(contentsOf: chars[index..<end])
                    index = end
                } else {
                    current.append(char)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(char)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// Index after the closing quote; a doubled quote is an escaped one.
    private static func closing(_ quote: Unicode.Scalar, in chars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < chars.count {
            if chars[index] == quote {
                if index + 1 < chars.count && chars[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return chars.count
    }

    /// For `$tag$` starting at `start`, the index of its closing `$`; `nil` for a parameter
    /// like `$1`.
    private static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        while index < chars.count {
            let char = chars[index]
            if char == "$" { return index }
            let isTagChar =
                char == "_" || char.properties.isAlphabetic || (index > start + 1 && ("0"..."9").contains(char))
            guard isTagChar else { return nil }
            index += 1
        }
        return nil
    }

    private static func matches(_ tag: [Unicode.Scalar], in chars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + tag.count <= chars.count else { return false }
        return Array(chars[index..<index + tag.count]) == tag
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
