import Foundation

extension Money {
    /// Parses a decimal amount as shops' platforms send it (`"259.00"`, `"259"`, `"0.5"`) into
    /// minor units, exactly: no floating point, and no more fraction digits than the currency
    /// has (`"1.005"` CNY is refused rather than rounded; `"500.00"` JPY is 500: zeros are exact).
    public init(decimal text: String, currency: Currency, field: String = "amount") throws(JifenError) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty,
            whole.allSatisfy(\.isASCIIDigit), whole.count <= 15
        else { throw .invalid(field, "'\(text)' is not a decimal amount") }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        while fraction.count > currency.minorUnitDigits, fraction.hasSuffix("0") { fraction.removeLast() }
        guard fraction.allSatisfy(\.isASCIIDigit), fraction.count <= currency.minorUnitDigits else {
            throw .invalid(field, "'\(text)' has more decimals than \(currency.code) has")
        }
        fraction += String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        guard let major = Int64(whole), let minor = Int64(fraction.isEmpty ? "0" : fraction) else {
            throw .invalid(field, "'\(text)' is not a decimal amount")
        }
        let (scaled, overflow) = major.multipliedReportingOverflow(by: currency.minorUnitsPerMajor)
        guard !overflow else { throw .invalid(field, "'\(text)' is too large") }
        try self.init(minorUnits: scaled + minor, currency: currency, field: field)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
