import Foundation
import Testing

@testable import JifenConsole

@Suite struct ConsoleFormatTests {
    let shanghai = ConsoleFormat(zone: TimeZone(identifier: "Asia/Shanghai")!, language: .zhHans)

    @Test func pointsAndMoney() {
        #expect(ConsoleFormat.grouped(0) == "0")
        #expect(ConsoleFormat.grouped(1_234_567) == "1,234,567")
        #expect(ConsoleFormat.grouped(-1_000) == "-1,000")
        #expect(ConsoleFormat.grouped(Int64.min) == "-9,223,372,036,854,775,808")
        #expect(shanghai.money(25_990, currency: "CNY") == "¥259.90")
        #expect(shanghai.money(-5, currency: "CNY") == "-¥0.05")
        #expect(shanghai.money(1_200, currency: "JPY") == "¥1,200")
        #expect(shanghai.money(123_456, currency: "KRW") == "KRW 123,456")
    }

    @Test func amountsTypedInAForm() {
        #expect(ConsoleFormat.minorUnits("259.90", digits: 2) == 25_990)
        #expect(ConsoleFormat.minorUnits("259.9", digits: 2) == 25_990)
        #expect(ConsoleFormat.minorUnits("1,234", digits: 2) == 123_400)
        #expect(ConsoleFormat.minorUnits("12.345", digits: 2) == nil)
        #expect(ConsoleFormat.minorUnits("-1", digits: 2) == nil)
        #expect(ConsoleFormat.minorUnits("1e5", digits: 2) == nil)
        #expect(ConsoleFormat.minorUnits("٣", digits: 2) == nil)
        #expect(ConsoleFormat.minorUnits("999999999999999", digits: 4) == nil, "overflow is refused")
    }

    @Test func timesAreInTheShopsZone() {
        let instant = Date(timeIntervalSince1970: 1_764_950_400)  // 2025-12-05T16:00:00Z
        #expect(shanghai.time(instant) == "2025-12-06 00:00")
        #expect(ConsoleFormat(zone: .gmt, language: .en).time(instant) == "2025-12-05 16:00")
    }

    @Test func languageNegotiation() {
        #expect(ConsoleLanguage.negotiate(cookie: nil, acceptLanguage: "zh-CN,zh;q=0.9") == .zhHans)
        #expect(ConsoleLanguage.negotiate(cookie: nil, acceptLanguage: "en-US,zh;q=0.5") == .en)
        #expect(ConsoleLanguage.negotiate(cookie: nil, acceptLanguage: "fr,zh-TW;q=0.4") == .zhHans)
        #expect(ConsoleLanguage.negotiate(cookie: nil, acceptLanguage: "fr;q=1,en;q=0") == .en)
        #expect(ConsoleLanguage.negotiate(cookie: "en", acceptLanguage: "zh") == .en)
        #expect(ConsoleLanguage.negotiate(cookie: "klingon", acceptLanguage: "zh") == .zhHans)
        #expect(ConsoleLanguage.negotiate(cookie: nil, acceptLanguage: nil) == .en)
    }

    @Test func formsParse() {
        #expect(FormBody.parse("a=1&b=x+y%21&a=2") == ["a": "1", "b": "x y!"])
        #expect(FormBody.parse("bad=%E0%A4%A&ok=1") == ["ok": "1"])
        #expect(Console.safeNext("//evil.example/console") == "/console/members")
        #expect(Console.safeNext("/console/members/x?q=1") == "/console/members/x?q=1")
        #expect(Console.safeNext("https://evil.example") == "/console/members")
    }
}
