import Foundation

extension Calendar {
    /// The Gregorian calendar of `zone`: every calendar rule (local days, expiry dates,
    /// installments) counts days and months in the tenant's zone.
    public static func gregorian(in zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
