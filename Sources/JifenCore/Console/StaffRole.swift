/// What a console user may do. Decided here, once, from the role; the console's routes ask
/// ``StaffRole/allows(_:)`` for the permission their action needs, never the role by name.
public enum StaffRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Everything, including the program, webhooks and the shop's staff.
    case owner
    /// Looks after members: reads everything a viewer does and adjusts points up to a limit.
    case staff
    /// Reads members, reports and results; changes nothing.
    case viewer

    public func allows(_ permission: ConsolePermission) -> Bool {
        switch (self, permission) {
        case (_, .read): true
        case (.owner, _): true
        case (.staff, .adjustPoints): true
        case (.staff, _), (.viewer, _): false
        }
    }
}

public enum ConsolePermission: Sendable, Hashable {
    /// Members, reports, campaigns, journeys, the program and webhook deliveries.
    case read
    case adjustPoints
    case editProgram
    case replayDeliveries
    case manageStaff
}

/// The most points a `staff` user may add or remove in one adjustment; an owner has no limit
/// beyond the API's own. Larger corrections are an owner's decision.
public struct AdjustmentLimit: Sendable, Hashable {
    public var points: Int64

    public init(points: Int64) {
        self.points = points
    }

    public static let `default` = AdjustmentLimit(points: 1_000)

    /// Refuses an adjustment beyond the limit for `role`.
    public func check(_ points: Int64, role: StaffRole) throws(JifenError) {
        guard role == .staff else { return }
        // magnitude: Int64.min has none in Int64, and the API refuses such points anyway.
        guard points.magnitude <= self.points.magnitude else {
            throw JifenError(
                .forbidden,
                "Staff may adjust at most \(self.points) points at a time; ask an owner for more."
            )
        }
    }
}
