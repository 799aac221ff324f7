import Foundation

/// A member's check-in on one local day, with the streak it made and what it earned.
public struct CheckIn: Sendable, Hashable {
    public var id: UUID
    public var member: String
    /// `YYYY-MM-DD` in the program's time zone.
    public var day: String
    public var streak: Int64
    public var points: Int64
    public var bonus: Int64
    public var programVersion: Int
    public var createdAt: Date
}
