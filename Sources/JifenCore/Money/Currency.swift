/// An ISO 4217 currency with the number of digits in its minor unit.
///
/// Amounts are integers in minor units, so the exponent is what turns `12345` into `123.45`
/// (CNY), `12345` (JPY) or `12.345` (BHD). Unknown codes are refused rather than guessed.
public struct Currency: Sendable, Hashable, StringParsed, CustomStringConvertible {
    public let code: String
    /// Digits after the decimal point: 2 for CNY, 0 for JPY, 3 for BHD.
    public let minorUnitDigits: Int

    public init(_ code: String, field: String = "currency") throws(JifenError) {
        guard let digits = Self.minorUnits[code] else {
            throw .invalid(field, "'\(code)' is not an ISO 4217 currency code")
        }
        self.code = code
        self.minorUnitDigits = digits
    }

    /// Minor units in one major unit: 100 for CNY, 1 for JPY, 1000 for BHD.
    public var minorUnitsPerMajor: Int64 {
        var result: Int64 = 1
        for _ in 0..<minorUnitDigits { result *= 10 }
        return result
    }

    public var description: String { code }

    public var text: String { code }

    /// Active ISO 4217 codes and their minor units. Codes without a minor unit (precious metals,
    /// testing codes) are left out: no shop prices goods in them.
    static let minorUnits: [String: Int] = {
        var table: [String: Int] = [:]
        let twoDigits = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN \
            BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB \
            EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS \
            KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN \
            MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD \
            SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD \
            TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
            """
        for code in twoDigits.split(separator: " ") { table[String(code)] = 2 }
        for code in [
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
            "XOF", "XPF",
        ] {
            table[code] = 0
        }
        for code in ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"] { table[code] = 3 }
        for code in ["CLF", "UYW"] { table[code] = 4 }
        return table
    }()
}
