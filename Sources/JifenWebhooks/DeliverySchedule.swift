import Foundation

/// When a failed webhook delivery is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, …
/// with ±20 % jitter, for about three days; `Retry-After` on 429 and 503 is honoured (within
/// the same bounds).
public struct DeliverySchedule: Sendable {
    public static let delays: [TimeInterval] = [
        5, 300, 1_800, 7_200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000,
    ]
    /// Give up once a delivery has been failing this long.
    public static let giveUpAfter: TimeInterval = 3 * 86_400
    /// An endpoint failing this long is disabled.
    public static let disableEndpointAfter: TimeInterval = 5 * 86_400
    public static let timeout: TimeInterval = 15

    /// The delay before attempt `attempt + 1`, after `attempt` attempts (1-based), or `nil` to
    /// give up. `random` in 0...1 picks the jitter (tests pass a fixed value).
    public static func delay(
        afterAttempt attempt: Int,
        firstAttemptAt: Date,
        now: Date,
        retryAfter: TimeInterval? = nil,
        random: Double = Double.random(in: 0...1)
    ) -> TimeInterval? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        var delay = delays[attempt - 1] * (0.8 + 0.4 * random)
        if let retryAfter, retryAfter > 0 { delay = min(max(delay, retryAfter), 36_000) }
        guard now.addingTimeInterval(delay).timeIntervalSince(firstAttemptAt) <= giveUpAfter else { return nil }
        return delay
    }

    /// `Retry-After` as seconds or an HTTP date.
    public static func retryAfter(_ header: String?, now: Date = Date()) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = TimeInterval(header), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
