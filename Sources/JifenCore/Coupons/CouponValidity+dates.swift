import Foundation

extension CouponValidity {
    /// The most days a `.days` validity is counted with: far beyond any template's limit (3650),
    /// and near enough that the calendar never leaves the range of `Date`, so a hostile value
    /// cannot make the date arithmetic fail.
    static let maxDays: Int64 = 100_000

    /// When a coupon issued at `issuedAt` is valid: `from ..< until`.
    ///
    /// - `.window`: the template's fixed window, whatever the offset.
    /// - `.days(n)`: valid through the end of the `n`th local day in `zone`, counting the day it
    ///   becomes valid as day 1. Issued now (`startingAfterMonths` 0), it is valid from the
    ///   moment of issue; the coupon of a series that starts `m` calendar months later becomes
    ///   valid at the start of that local day (31 January + 1 month is the last day of
    ///   February, as the calendar counts months). `until` is the start of the local day `n`
    ///   days after the first.
    public func window(issuedAt: Date, startingAfterMonths: Int = 0, in zone: TimeZone) -> (from: Date, until: Date) {
        switch self {
        case .window(let from, let until):
            return (from, until)
        case .days(let days):
            let calendar = Calendar.gregorian(in: zone)
            let start =
                startingAfterMonths == 0
                ? issuedAt
                : calendar.date(byAdding: .month, value: startingAfterMonths, to: issuedAt) ?? issuedAt
            let firstDay = calendar.startOfDay(for: start)
            let from = startingAfterMonths == 0 ? issuedAt : firstDay
            let count = Int(min(max(days, 0), Self.maxDays))
            // Adding days to a local midnight lands on the local midnight `count` days later, even
            // across a daylight-saving change; startOfDay covers zones whose midnight is skipped.
            let end =
                calendar.date(byAdding: .day, value: count, to: firstDay)
                ?? firstDay.addingTimeInterval(TimeInterval(count) * 86_400)
            return (from, calendar.startOfDay(for: end))
        }
    }
}
