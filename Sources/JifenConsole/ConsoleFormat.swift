import Foundation
import JifenCore

/// How the console writes numbers, money and times: points with thousands separators, money
/// from exact minor units in the shop's currency, times in the program's zone. Pure, so tested
/// on its own; never floating point for an amount.
public struct ConsoleFormat: Sendable {
    public let zone: TimeZone
    public let language: ConsoleLanguage

    /// Gregorian in `zone`, made once for every time a page writes.
    let calendar: Calendar

    public init(zone: TimeZone, language: ConsoleLanguage) {
        self.zone = zone
        self.language = language
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    public func points(_ value: Int64) -> String { Self.grouped(value) }

    /// `¥1,234.50` for 123450 CNY minor units; a code we have no sign for is written out
    /// (`KRW 1,200`).
    public func money(_ minorUnits: Int64, currency: String) -> String {
        let digits = (try? Currency(currency))?.minorUnitDigits ?? 2
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let magnitude = minorUnits.magnitude
        let major = Self.grouped(Int64(clamping: magnitude / divisor))
        var text = major
        if digits > 0 {
            let minor = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: digits - minor.count) + minor
        }
        let sign = minorUnits < 0 ? "-" : ""
        switch currency.uppercased() {
        case "CNY", "JPY": return sign + "¥" + text
        case "USD", "HKD", "SGD", "TWD", "AUD", "CAD": return sign + currency.uppercased().prefix(2) + "$" + text
        case "EUR": return sign + "€" + text
        case "GBP": return sign + "£" + text
        default: return sign + currency.uppercased() + " " + text
        }
    }

    /// `2026-12-05 16:30` in the shop's zone: the same shape in both languages, unambiguous.
    public func time(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }

    public func day(_ date: Date) -> String { String(time(date).prefix(10)) }

    /// Major units as typed in a form ("259.9", "259.90", "1,234") → minor units; `nil` for
    /// anything else, including more decimals than the currency has or an overflow.
    public static func minorUnits(_ text: String, digits: Int) -> Int64? {
        let cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII),
            parts[0].allSatisfy(\.isNumber), parts[0].count <= 15
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= digits, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var value = Int64(parts[0]) ?? 0
        for _ in 0..<digits {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = product
        }
        let padded = fraction + String(repeating: "0", count: digits - fraction.count)
        let (sum, overflow) = value.addingReportingOverflow(Int64(padded.isEmpty ? "0" : padded) ?? 0)
        return overflow ? nil : sum
    }
}
