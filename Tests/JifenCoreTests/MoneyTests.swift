import Testing

@testable import JifenCore

@Suite struct CurrencyTests {
    @Test(arguments: [("CNY", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3), ("CLF", 4)])
    func knowsMinorUnits(code: String, digits: Int) throws {
        #expect(try Currency(code).minorUnitDigits == digits)
    }

    @Test(arguments: ["XXX", "cny", "", "YUAN", "XAU"])
    func refusesUnknownCodes(code: String) {
        #expect(throws: JifenError.self) { try Currency(code) }
        do {
            _ = try Currency(code)
        } catch {
            #expect(error.code == .validationFailed)
            #expect(error.fieldErrors.first?.field == "currency")
        }
    }

    @Test func minorUnitsPerMajor() throws {
        #expect(try Currency("CNY").minorUnitsPerMajor == 100)
        #expect(try Currency("JPY").minorUnitsPerMajor == 1)
        #expect(try Currency("BHD").minorUnitsPerMajor == 1000)
    }
}

@Suite struct MoneyTests {
    @Test func refusesNegativeAndHugeAmounts() throws {
        let cny = try Currency("CNY")
        #expect(throws: JifenError.self) { try Money(minorUnits: -1, currency: cny) }
        #expect(throws: JifenError.self) { try Money(minorUnits: Money.maxMinorUnits + 1, currency: cny) }
        #expect(try Money(minorUnits: 0, currency: cny).minorUnits == 0)
        #expect(try Money(minorUnits: Money.maxMinorUnits, currency: cny).minorUnits == Money.maxMinorUnits)
    }

    @Test func wholeMajorUnitsRoundDown() throws {
        #expect(try Money(minorUnits: 25_999, currency: Currency("CNY")).wholeMajorUnits == 259)
        #expect(try Money(minorUnits: 25_999, currency: Currency("JPY")).wholeMajorUnits == 25_999)
        #expect(try Money(minorUnits: 1_999, currency: Currency("BHD")).wholeMajorUnits == 1)
    }

    @Test func describesWithTheCurrencyExponent() throws {
        #expect(try Money(minorUnits: 25_905, currency: Currency("CNY")).description == "259.05 CNY")
        #expect(try Money(minorUnits: 7, currency: Currency("CNY")).description == "0.07 CNY")
        #expect(try Money(minorUnits: 500, currency: Currency("JPY")).description == "500 JPY")
        #expect(try Money(minorUnits: 1_005, currency: Currency("BHD")).description == "1.005 BHD")
    }

    @Test func equalityIncludesTheCurrency() throws {
        #expect(
            try Money(minorUnits: 100, currency: Currency("CNY")) != Money(minorUnits: 100, currency: Currency("USD"))
        )
    }
}
