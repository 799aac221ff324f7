/// An amount of money: integer minor units of one currency. Never a float.
public struct Money: Sendable, Hashable, CustomStringConvertible {
    /// The largest amount Jifen accepts: 10^14 minor units leaves room to sum many orders in
    /// an `Int64` without overflow.
    public static let maxMinorUnits: Int64 = 100_000_000_000_000

    public let minorUnits: Int64
    public let currency: Currency

    /// Validates that `minorUnits` is within `0...maxMinorUnits`.
    public init(minorUnits: Int64, currency: Currency, field: String = "amount") throws(JifenError) {
        guard minorUnits >= 0 else { throw .invalid(field, "must be zero or more") }
        guard minorUnits <= Self.maxMinorUnits else {
            throw .invalid(field, "must be at most \(Self.maxMinorUnits)")
        }
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Whole major units, rounded down: 259.00 CNY (25900) → 259.
    public var wholeMajorUnits: Int64 { minorUnits / currency.minorUnitsPerMajor }

    /// `259.00 CNY`: for logs and messages, never for arithmetic.
    public var description: String {
        let digits = currency.minorUnitDigits
        guard digits > 0 else { return "\(minorUnits) \(currency.code)" }
        let per = currency.minorUnitsPerMajor
        let fraction = String(minorUnits % per)
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(minorUnits / per).\(padded) \(currency.code)"
    }
}
