import Foundation
import JifenCore
import Testing

@Suite struct ReportQueryTests {
    @Test func daysCountAndGroupLikeTheCalendar() throws {
        let day = try #require(ReportDay("2024-02-29"))
        #expect(day.description == "2024-02-29")
        #expect(ReportDay(ordinal: day.ordinal) == day)
        #expect(day.adding(days: 1).description == "2024-03-01")
        #expect(ReportDay("2025-02-29") == nil, "not a day")
        #expect(ReportDay("2026-1-05") == nil)
        #expect(ReportDay("1999-12-31") == nil, "before the reports' calendar")
        // 2026-12-05 is a Saturday: its ISO week starts on Monday 2026-11-30.
        let saturday = try #require(ReportDay("2026-12-05"))
        #expect(saturday.start(of: .week).description == "2026-11-30")
        #expect(saturday.end(of: .week).description == "2026-12-06")
        #expect(saturday.start(of: .month).description == "2026-12-01")
        #expect(try #require(ReportDay("2026-02-10")).end(of: .month).description == "2026-02-28")
        #expect(ReportDay(Date(timeIntervalSince1970: 0), in: .gmt).ordinal == 0)
        // 2026-12-04T16:30Z is already the 5th in Shanghai.
        let instant = Date(timeIntervalSince1970: 1_796_401_800)
        #expect(ReportDay(instant, in: TimeZone(identifier: "Asia/Shanghai")!).description == "2026-12-05")
        #expect(ReportDay(instant, in: .gmt).description == "2026-12-04")
    }

    @Test func aQueryDefaultsToAYearOfMonthsAndCutsItsEnds() throws {
        let today = try #require(ReportDay("2026-12-05"))
        let query = try ReportQuery.make(from: nil, to: nil, period: nil, today: today)
        #expect(query.from.description == "2026-01-01")
        #expect(query.to == today)
        #expect(query.period == .month)
        #expect(query.periods.count == 12)
        #expect(query.periods.last?.through == today, "the last period ends on the last day asked for")
        let weeks = try ReportQuery.make(from: "2026-12-02", to: "2026-12-14", period: "week", today: today)
        #expect(
            weeks.periods.map { "\($0.start)…\($0.through)" } == [
                "2026-11-30…2026-12-06", "2026-12-07…2026-12-13", "2026-12-14…2026-12-14",
            ]
        )
    }

    @Test func badQueriesNameTheirField() {
        let today = ReportDay(year: 2026, month: 12, day: 5)
        for (from, to, period, field) in [
            ("2026-12-06", "2026-12-05", "day", "from"), ("2026-02-30", nil, "day", "from"),
            (nil, "tomorrow", "day", "to"), ("2020-01-01", "2026-12-05", "day", "period"),
            (nil, nil, "year", "period"),
        ] as [(String?, String?, String, String)] {
            #expect(throws: JifenError.self, "\(field)") {
                _ = try ReportQuery.make(from: from, to: to, period: period, today: today)
            }
            do {
                _ = try ReportQuery.make(from: from, to: to, period: period, today: today)
            } catch {
                #expect(error.code == .validationFailed)
                #expect("\(error)".contains(field), "\(error)")
            }
        }
    }

    @Test func csvQuotesOnlyWhatMustBeQuoted() {
        var table = CSVTable(header: ["category", "members"])
        table.rows = [["美妆", "3"], ["女鞋, \"春季\"", "2"], ["line\nbreak", "1"]]
        #expect(table.text == "category,members\r\n美妆,3\r\n\"女鞋, \"\"春季\"\"\",2\r\n\"line\nbreak\",1\r\n")
        #expect(ReportRate.of(1, 3) == 0.3333)
        #expect(ReportRate.of(1, 0) == nil)
    }
}
