import Foundation
import Testing

@testable import JifenCore

/// Expiry dates for every policy, in time zones, across month ends, a leap day and daylight
/// saving. Expected instants are written out by hand.
@Suite struct ExpiryRulesTests {
    static func instant(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("bad date \(text)") }
        return date
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rules: ExpiryRules
        var zone: String
        var earned: String
        var expires: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "never", rules: .never, zone: "UTC", earned: "2026-03-05T10:00:00Z", expires: nil),
        Case(
            name: "inactivity lots have no date of their own",
            rules: ExpiryRules(policy: .inactivity, inactivityMonths: 12),
            zone: "UTC",
            earned: "2026-03-05T10:00:00Z",
            expires: nil
        ),
        Case(
            name: "rolling 365 days",
            rules: ExpiryRules(policy: .rolling, days: 365),
            zone: "UTC",
            earned: "2026-03-05T10:00:00Z",
            expires: "2027-03-05T10:00:00Z"
        ),
        Case(
            name: "rolling 12 months",
            rules: ExpiryRules(policy: .rolling, months: 12),
            zone: "Asia/Shanghai",
            earned: "2026-03-05T10:00:00Z",
            expires: "2027-03-05T10:00:00Z"
        ),
        // 31 Jan (Shanghai, 18:00 local) + 1 month: February has no 31st → 28 Feb, same time.
        Case(
            name: "31 January + 1 month is the end of February",
            rules: ExpiryRules(policy: .rolling, months: 1),
            zone: "Asia/Shanghai",
            earned: "2027-01-31T10:00:00Z",
            expires: "2027-02-28T10:00:00Z"
        ),
        // 2028 is a leap year: 31 Jan + 1 month = 29 Feb.
        Case(
            name: "31 January + 1 month in a leap year is 29 February",
            rules: ExpiryRules(policy: .rolling, months: 1),
            zone: "UTC",
            earned: "2028-01-31T12:00:00Z",
            expires: "2028-02-29T12:00:00Z"
        ),
        // Earned on the leap day: a year later there is no 29 Feb → 28 Feb 2029.
        Case(
            name: "the leap day + 12 months",
            rules: ExpiryRules(policy: .rolling, months: 12),
            zone: "UTC",
            earned: "2028-02-29T12:00:00Z",
            expires: "2029-02-28T12:00:00Z"
        ),
        // New York springs forward on 8 March 2026: 10:00 EST (15:00Z) + 1 day is 10:00 EDT
        // (14:00Z), 23 hours later.
        Case(
            name: "a day across daylight saving keeps the wall-clock time",
            rules: ExpiryRules(policy: .rolling, days: 1),
            zone: "America/New_York",
            earned: "2026-03-07T15:00:00Z",
            expires: "2026-03-08T14:00:00Z"
        ),
        // End of the calendar year after earning, in Shanghai: expired from 2028-01-01 00:00
        // local = 2027-12-31T16:00Z.
        Case(
            name: "end of the year after earning, Shanghai",
            rules: ExpiryRules(policy: .endOfPeriod, period: .year, periodsAfter: 1),
            zone: "Asia/Shanghai",
            earned: "2026-03-05T10:00:00Z",
            expires: "2027-12-31T16:00:00Z"
        ),
        // Earned 31 Dec 2026 20:00Z = 1 Jan 2027 04:00 in Shanghai: that is 2027's points.
        Case(
            name: "the year is the local year",
            rules: ExpiryRules(policy: .endOfPeriod, period: .year, periodsAfter: 0),
            zone: "Asia/Shanghai",
            earned: "2026-12-31T20:00:00Z",
            expires: "2027-12-31T16:00:00Z"
        ),
        Case(
            name: "end of this month",
            rules: ExpiryRules(policy: .endOfPeriod, period: .month),
            zone: "UTC",
            earned: "2028-02-10T00:00:00Z",
            expires: "2028-03-01T00:00:00Z"
        ),
        // Quarter of May is Q2 (Apr–Jun); one quarter after: Q3 ends 30 Sep → 1 Oct 00:00 EDT.
        Case(
            name: "end of the next quarter in New York",
            rules: ExpiryRules(policy: .endOfPeriod, period: .quarter, periodsAfter: 1),
            zone: "America/New_York",
            earned: "2026-05-15T12:00:00Z",
            expires: "2026-10-01T04:00:00Z"
        ),
    ]

    @Test(arguments: cases)
    func expiresAt(_ c: Case) throws {
        let zone = try #require(TimeZone(identifier: c.zone))
        let expected = c.expires.map(Self.instant)
        #expect(c.rules.expiresAt(earnedAt: Self.instant(c.earned), in: zone) == expected)
    }

    @Test func inactivityCutoffIsMonthsBackFromNow() throws {
        let rules = ExpiryRules(policy: .inactivity, inactivityMonths: 6)
        let zone = try #require(TimeZone(identifier: "UTC"))
        #expect(
            rules.inactivityCutoff(now: Self.instant("2026-08-31T00:00:00Z"), in: zone)
                == Self.instant("2026-02-28T00:00:00Z")
        )
        #expect(ExpiryRules.never.inactivityCutoff(now: Date(), in: zone) == nil)
    }

    @Test func invalidPoliciesNameTheirFields() {
        func fields(_ rules: ExpiryRules) -> [String] {
            do {
                try Program(expiry: rules).validate()
                return []
            } catch {
                return error.fieldErrors.map(\.field)
            }
        }
        #expect(fields(ExpiryRules(policy: .rolling)) == ["expiry"])
        #expect(fields(ExpiryRules(policy: .rolling, days: 0)) == ["expiry.days"])
        #expect(fields(ExpiryRules(policy: .endOfPeriod)) == ["expiry.period"])
        #expect(fields(ExpiryRules(policy: .inactivity)) == ["expiry.inactivity_months"])
        #expect(fields(ExpiryRules(reminderDays: [7, 7])) == ["expiry.reminder_days"])
        #expect(fields(ExpiryRules(policy: .rolling, months: 12, reminderDays: [30, 7])).isEmpty)
    }
}

@Suite struct CheckInRulesTests {
    @Test func aStreakGrowsOnConsecutiveDaysAndResetsAfterAGap() {
        #expect(CheckInRules.streak(today: 100, last: nil) == 1)
        #expect(CheckInRules.streak(today: 100, last: (99, 6)) == 7)
        #expect(CheckInRules.streak(today: 100, last: (98, 6)) == 1)
    }

    @Test func bonusesFallOnTheirStreakDay() {
        let rules = CheckInRules(points: 5, streakBonuses: [.init(day: 7, points: 20), .init(day: 30, points: 100)])
        #expect(rules.bonus(forStreak: 6) == 0)
        #expect(rules.bonus(forStreak: 7) == 20)
        #expect(rules.bonus(forStreak: 30) == 100)
    }

    @Test func localDaysFollowTheZone() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        // 17:30Z on 30 Nov is 01:30 on 1 Dec in Shanghai.
        let late = ExpiryRulesTests.instant("2026-11-30T17:30:00Z")
        #expect(LocalDay.number(of: late, in: shanghai) == LocalDay.number(of: late, in: utc) + 1)
        #expect(LocalDay.text(LocalDay.number(of: late, in: shanghai)) == "2026-12-01")
        #expect(LocalDay.number(of: ExpiryRulesTests.instant("1970-01-01T00:00:00Z"), in: utc) == 0)
        // Across New York's spring-forward night the days are still consecutive.
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let before = LocalDay.number(of: ExpiryRulesTests.instant("2026-03-08T06:00:00Z"), in: newYork)
        let after = LocalDay.number(of: ExpiryRulesTests.instant("2026-03-09T05:00:00Z"), in: newYork)
        #expect(after == before + 1)
    }
}

@Suite struct SchedulePlanTests {
    @Test func pointsSplitExactlyAndMonthsFollowTheCalendar() throws {
        let draft = ScheduleDraft(
            total: 200,
            installments: 3,
            period: .month,
            start: ExpiryRulesTests.instant("2027-01-31T02:00:00Z"),
            reason: "top_up",
            sourceReference: nil
        )
        let plan = draft.plan(in: try #require(TimeZone(identifier: "UTC")))
        #expect(plan.map(\.points) == [67, 67, 66])
        #expect(
            plan.map(\.dueAt) == [
                ExpiryRulesTests.instant("2027-01-31T02:00:00Z"), ExpiryRulesTests.instant("2027-02-28T02:00:00Z"),
                ExpiryRulesTests.instant("2027-03-31T02:00:00Z"),
            ]
        )
        let weekly = ScheduleDraft(
            total: 10,
            installments: 2,
            period: .week,
            start: ExpiryRulesTests.instant("2027-01-01T00:00:00Z"),
            reason: "top_up",
            sourceReference: nil
        )
        #expect(weekly.plan(in: .gmt).map(\.dueAt).last == ExpiryRulesTests.instant("2027-01-08T00:00:00Z"))
        #expect(throws: JifenError.self) {
            try ScheduleDraft.validate(
                total: 2,
                installments: 3,
                period: .week,
                start: Date(),
                reason: "x",
                sourceReference: nil
            )
        }
    }
}
