import Foundation

/// How events write instants: ISO 8601 in UTC to the second (`2026-12-08T02:00:00Z`), as they
/// always have; the encoder's own date strategy would write a number.
enum EventTime {
    static func text(_ date: Date) -> String { date.formatted(.iso8601) }
}
