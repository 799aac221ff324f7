import Foundation

/// When points expire. Each lot's expiry is fixed when it is earned (so a later change to the
/// program never moves points already earned), except under ``Policy/inactivity``, where all
/// of a member's points expire together once the member has earned nothing for a while.
public struct ExpiryRules: Sendable, Hashable, Codable {
    public enum Policy: String, Sendable, Hashable, Codable, CaseIterable {
        /// Points never expire. The default.
        case never
        /// `days` or `months` after earning, by the calendar of the program's time zone.
        case rolling
        /// At the end of a calendar `period` (month, quarter, year) in the program's time zone:
        /// the period the points were earned in, or `periods_after` periods later.
        case endOfPeriod = "end_of_period"
        /// All of a member's points expire after `inactivity_months` without earning any.
        case inactivity
    }

    public enum Period: String, Sendable, Hashable, Codable, CaseIterable {
        case month, quarter, year

        var component: Calendar.Component {
            switch self {
            case .month, .quarter: .month
            case .year: .year
            }
        }

        var length: Int {
            switch self {
            case .month, .year: 1
            case .quarter: 3
            }
        }
    }

    public var policy: Policy
    public var days: Int64?
    public var months: Int64?
    public var period: Period?
    /// 0: the end of the period earned in; 1: the end of the next one ("the end of the calendar
    /// year after earning"), and so on.
    public var periodsAfter: Int64
    public var inactivityMonths: Int64?
    /// Send `points.expiring` this many days before points expire (e.g. 30 and 7).
    public var reminderDays: [Int64]

    public init(
        policy: Policy = .never,
        days: Int64? = nil,
        months: Int64? = nil,
        period: Period? = nil,
        periodsAfter: Int64 = 0,
        inactivityMonths: Int64? = nil,
        reminderDays: [Int64] = []
    ) {
        self.policy = policy
        self.days = days
        self.months = months
        self.period = period
        self.periodsAfter = periodsAfter
        self.inactivityMonths = inactivityMonths
        self.reminderDays = reminderDays
    }

    public static let never = ExpiryRules()

    enum CodingKeys: String, CodingKey {
        case policy, days, months, period
        case periodsAfter = "periods_after"
        case inactivityMonths = "inactivity_months"
        case reminderDays = "reminder_days"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policy = try container.decodeIfPresent(Policy.self, forKey: .policy) ?? .never
        days = try container.decodeIfPresent(Int64.self, forKey: .days)
        months = try container.decodeIfPresent(Int64.self, forKey: .months)
        period = try container.decodeIfPresent(Period.self, forKey: .period)
        periodsAfter = try container.decodeIfPresent(Int64.self, forKey: .periodsAfter) ?? 0
        inactivityMonths = try container.decodeIfPresent(Int64.self, forKey: .inactivityMonths)
        reminderDays = try container.decodeIfPresent([Int64].self, forKey: .reminderDays) ?? []
    }

    /// When a lot earned at `earnedAt` expires; `nil` when lots have no date of their own
    /// (``Policy/never``, ``Policy/inactivity``).
    ///
    /// Calendar arithmetic happens in `zone`: 31 January + 1 month is the last day of February,
    /// and "1 day" across a daylight-saving change is the same wall-clock time the next day.
    public func expiresAt(earnedAt: Date, in zone: TimeZone) -> Date? {
        let calendar = Calendar.gregorian(in: zone)
        switch policy {
        case .never, .inactivity:
            return nil
        case .rolling:
            if let months { return calendar.date(byAdding: .month, value: Int(months), to: earnedAt) }
            if let days { return calendar.date(byAdding: .day, value: Int(days), to: earnedAt) }
            return nil
        case .endOfPeriod:
            guard let period else { return nil }
            var start = calendar.dateComponents([.year, .month], from: earnedAt)
            start.day = 1
            if period == .year { start.month = 1 }
            if period == .quarter, let month = start.month { start.month = (month - 1) / 3 * 3 + 1 }
            guard let periodStart = calendar.date(from: start) else { return nil }
            // Expired from the first instant of the period after the last one that keeps it.
            return calendar.date(
                byAdding: period.component,
                value: period.length * Int(periodsAfter + 1),
                to: periodStart
            )
        }
    }

    /// Under ``Policy/inactivity``: members whose last earning is before this instant lose
    /// all their points at `now`. `nil` under the other policies.
    public func inactivityCutoff(now: Date, in zone: TimeZone) -> Date? {
        guard policy == .inactivity, let inactivityMonths else { return nil }
        return Calendar.gregorian(in: zone).date(byAdding: .month, value: -Int(inactivityMonths), to: now)
    }

    func validate(into v: inout Validator) {
        // Every field set is checked, whichever policy uses it: what is saved is shown back.
        if let days, !(1...3650).contains(days) { v.fail("expiry.days", "must be between 1 and 3650") }
        if let months, !(1...120).contains(months) { v.fail("expiry.months", "must be between 1 and 120") }
        if !(0...10).contains(periodsAfter) { v.fail("expiry.periods_after", "must be between 0 and 10") }
        if let inactivityMonths, !(1...120).contains(inactivityMonths) {
            v.fail("expiry.inactivity_months", "must be between 1 and 120")
        }
        switch policy {
        case .never:
            break
        case .rolling:
            if (days == nil) == (months == nil) {
                v.fail("expiry", "a rolling policy needs exactly one of days or months")
            }
        case .endOfPeriod:
            if period == nil { v.fail("expiry.period", "is required for end_of_period: month, quarter or year") }
        case .inactivity:
            if inactivityMonths == nil { v.fail("expiry.inactivity_months", "is required for inactivity") }
        }
        if reminderDays.count > 5 { v.fail("expiry.reminder_days", "must have at most 5 items") }
        if Set(reminderDays).count != reminderDays.count { v.fail("expiry.reminder_days", "must not repeat a day") }
        for (i, day) in reminderDays.enumerated() where !(1...365).contains(day) {
            v.fail("expiry.reminder_days[\(i)]", "must be between 1 and 365")
        }
    }
}
