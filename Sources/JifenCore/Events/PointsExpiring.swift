/// Points of a member that expire on `expiresOn`, sent when a reminder window
/// (`expiry.reminder_days`) is reached. Recorded in bulk by the expiry sweep's SQL
/// (`TenantConnection+expiry.swift`), which writes these keys.
public struct PointsExpiring: MemberStreamEvent, Equatable {
    public static let types = ["points.expiring"]
    public var type: String { "points.expiring" }

    public var points: Int64
    /// The reminder window reached, in days.
    public var daysBefore: Int
    /// `YYYY-MM-DD`, in the program's time zone.
    public var expiresOn: String

    public init(points: Int64, daysBefore: Int, expiresOn: String) {
        self.points = points
        self.daysBefore = daysBefore
        self.expiresOn = expiresOn
    }

    enum CodingKeys: String, CodingKey {
        case points
        case daysBefore = "days_before"
        case expiresOn = "expires_on"
    }
}
