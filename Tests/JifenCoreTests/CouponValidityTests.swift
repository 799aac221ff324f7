import Foundation
import Testing

@testable import JifenCore

/// When an issued coupon is valid, in the tenant's zone.
@Suite struct CouponValidityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var zone: String
        var validity: CouponValidity
        var issuedAt: String
        var months = 0
        var from: String
        var until: String

        var testDescription: String { name }
    }

    static func date(_ text: String) -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else { fatalError("bad date \(text)") }
        return date
    }

    static let cases: [Case] = [
        Case(
            name: "one day in UTC: from the moment of issue to midnight",
            zone: "UTC",
            validity: .days(1),
            issuedAt: "2027-01-15T08:00:00Z",
            from: "2027-01-15T08:00:00Z",
            until: "2027-01-16T00:00:00Z"
        ),
        Case(
            name: "seven days in Shanghai: the local day of issue is 16 January (04:00 local)",
            zone: "Asia/Shanghai",
            validity: .days(7),
            issuedAt: "2027-01-15T20:00:00Z",
            from: "2027-01-15T20:00:00Z",
            until: "2027-01-22T16:00:00Z"
        ),
        Case(
            name: "seven days in UTC from the same moment: the local day is 15 January",
            zone: "UTC",
            validity: .days(7),
            issuedAt: "2027-01-15T20:00:00Z",
            from: "2027-01-15T20:00:00Z",
            until: "2027-01-22T00:00:00Z"
        ),
        Case(
            name: "a month later from 31 January: the last day of February, from its start",
            zone: "UTC",
            validity: .days(3),
            issuedAt: "2027-01-31T10:00:00Z",
            months: 1,
            from: "2027-02-28T00:00:00Z",
            until: "2027-03-03T00:00:00Z"
        ),
        Case(
            name: "a month later from 31 January in a leap year: 29 February",
            zone: "UTC",
            validity: .days(1),
            issuedAt: "2028-01-31T10:00:00Z",
            months: 1,
            from: "2028-02-29T00:00:00Z",
            until: "2028-03-01T00:00:00Z"
        ),
        Case(
            name: "a month later from 31 January in Shanghai (02:00 local): local midnight of 28 February",
            zone: "Asia/Shanghai",
            validity: .days(1),
            issuedAt: "2027-01-30T18:00:00Z",
            months: 1,
            from: "2027-02-27T16:00:00Z",
            until: "2027-02-28T16:00:00Z"
        ),
        Case(
            name: "three months later, 30 days, across the year end",
            zone: "Asia/Shanghai",
            validity: .days(30),
            issuedAt: "2027-10-15T01:00:00Z",
            months: 3,
            from: "2028-01-14T16:00:00Z",
            until: "2028-02-13T16:00:00Z"
        ),
        Case(
            name: "a fixed window ignores the day of issue and the offset",
            zone: "Asia/Shanghai",
            validity: .window(from: date("2027-03-01T00:00:00Z"), until: date("2027-04-01T00:00:00Z")),
            issuedAt: "2027-01-15T08:00:00Z",
            months: 2,
            from: "2027-03-01T00:00:00Z",
            until: "2027-04-01T00:00:00Z"
        ),
    ]

    @Test(arguments: cases)
    func windows(_ c: Case) throws {
        let zone = try #require(TimeZone(identifier: c.zone))
        let window = c.validity.window(issuedAt: Self.date(c.issuedAt), startingAfterMonths: c.months, in: zone)
        #expect(window.from == Self.date(c.from))
        #expect(window.until == Self.date(c.until))
    }

    @Test func hostileDayCountsDoNotTrap() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let issued = Self.date("2027-01-15T08:00:00Z")
        let long = CouponValidity.days(.max).window(issuedAt: issued, startingAfterMonths: 1_000, in: zone)
        #expect(long.until > long.from)
        let none = CouponValidity.days(.min).window(issuedAt: issued, in: zone)
        #expect(none.until <= none.from)
    }
}
