/// A table written as CSV by RFC 4180: a header row, CRLF line ends, and a field quoted (its
/// quotes doubled) when it holds a comma, a quote, CR or LF. UTF-8, without a byte-order mark.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    public var text: String {
        ([header] + rows).map { $0.map(Self.field).joined(separator: ",") + "\r\n" }.joined()
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Rates in reports: a share rounded to four decimals, nil when there is nothing to divide by.
public enum ReportRate {
    public static func of(_ part: Int64, _ whole: Int64) -> Double? {
        guard whole > 0 else { return nil }
        return (Double(part) / Double(whole) * 10_000).rounded() / 10_000
    }

    public static func text(_ rate: Double?) -> String { rate.map { String($0) } ?? "" }
}
