import Foundation

/// Daily check-ins (签到): points for checking in once per local day, and bonuses on streak
/// days.
public struct CheckInRules: Sendable, Hashable, Codable {
    /// A bonus on the `day`th consecutive day of a streak (day 7 → +20).
    public struct StreakBonus: Sendable, Hashable, Codable {
        public var day: Int64
        public var points: Int64

        public init(day: Int64, points: Int64) {
            self.day = day
            self.points = points
        }
    }

    public var points: Int64
    public var streakBonuses: [StreakBonus]

    public init(points: Int64, streakBonuses: [StreakBonus] = []) {
        self.points = points
        self.streakBonuses = streakBonuses
    }

    enum CodingKeys: String, CodingKey {
        case points
        case streakBonuses = "streak_bonuses"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        points = try container.decode(Int64.self, forKey: .points)
        streakBonuses = try container.decodeIfPresent([StreakBonus].self, forKey: .streakBonuses) ?? []
    }

    /// The streak a check-in on `today` makes, given the member's last check-in day: one more
    /// than the last streak if that was yesterday, else a new streak of 1. Days are
    /// ``LocalDay`` numbers.
    public static func streak(today: Int, last: (day: Int, streak: Int64)?) -> Int64 {
        guard let last, last.day == today - 1 else { return 1 }
        return last.streak + 1
    }

    /// The bonus for a streak's `streak`th day.
    public func bonus(forStreak streak: Int64) -> Int64 {
        streakBonuses.filter { $0.day == streak }.reduce(0) { $0 + $1.points }
    }

    func validate(into v: inout Validator) {
        if !(0...1_000_000).contains(points) { v.fail("check_in.points", "must be between 0 and 1000000") }
        if streakBonuses.count > 50 { v.fail("check_in.streak_bonuses", "must have at most 50 items") }
        for (i, bonus) in streakBonuses.enumerated() {
            if !(2...366).contains(bonus.day) {
                v.fail("check_in.streak_bonuses[\(i)].day", "must be between 2 and 366")
            }
            if !(1...1_000_000).contains(bonus.points) {
                v.fail("check_in.streak_bonuses[\(i)].points", "must be between 1 and 1000000")
            }
        }
    }
}

/// A calendar day in a time zone, as a day number (days since 1970-01-01): consecutive days
/// differ by one, whatever the zone's offsets and daylight saving do.
public enum LocalDay {
    public static func number(of date: Date, in zone: TimeZone) -> Int {
        let parts = Calendar.gregorian(in: zone).dateComponents([.year, .month, .day], from: date)
        return civilDays(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// `YYYY-MM-DD` of a day number.
    public static func text(_ number: Int) -> String {
        let utc = Calendar.gregorian(in: .gmt)
        let date = Date(timeIntervalSince1970: TimeInterval(number) * 86_400)
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civilDays(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
