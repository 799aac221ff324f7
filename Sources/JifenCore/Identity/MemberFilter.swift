import Foundation

/// A segment of members, as `GET /v1/members` filters them; every condition given must hold.
public struct MemberFilter: Sendable, Hashable, Codable {
    public var tag: String?
    public var tier: String?
    public var minOrders: Int?
    public var maxOrders: Int?
    public var minSpend: Int64?
    public var maxSpend: Int64?
    /// No order for at least this many days (members who never ordered do not match).
    public var inactiveDays: Int?
    /// Past the repurchase window of this category without buying in it again.
    public var lapsingCategory: String?

    /// The largest order count, spend and inactivity a filter may name (the spec's bounds):
    /// counts are PostgreSQL `integer`s and the inactivity becomes a date, so anything larger
    /// would fail in the database instead of matching nobody.
    public static let maximumOrders: Int64 = 1_000_000_000
    public static let maximumSpend: Int64 = 100_000_000_000_000
    public static let maximumInactiveDays = 36_500

    /// The conditions no member could meet — a negative count or spend, fewer than one day —
    /// or that are out of range, with what is wrong, by field name; the API refuses them
    /// rather than match nobody.
    public var invalidFields: [(field: String, message: String)] {
        var invalid: [(String, String)] = []
        for (field, value, maximum) in [
            ("min_orders", minOrders.map(Int64.init), Self.maximumOrders),
            ("max_orders", maxOrders.map(Int64.init), Self.maximumOrders),
            ("min_spend", minSpend, Self.maximumSpend), ("max_spend", maxSpend, Self.maximumSpend),
        ] {
            guard let value else { continue }
            if value < 0 { invalid.append((field, "must not be negative")) }
            if value > maximum { invalid.append((field, "must be at most \(maximum)")) }
        }
        if let days = inactiveDays, days < 1 { invalid.append(("inactive_days", "must be at least 1")) }
        if let days = inactiveDays, days > Self.maximumInactiveDays {
            invalid.append(("inactive_days", "must be at most \(Self.maximumInactiveDays)"))
        }
        return invalid
    }

    enum CodingKeys: String, CodingKey {
        case tag, tier
        case minOrders = "min_orders"
        case maxOrders = "max_orders"
        case minSpend = "min_spend"
        case maxSpend = "max_spend"
        case inactiveDays = "inactive_days"
        case lapsingCategory = "lapsing_category"
    }

    public init(
        tag: String? = nil,
        tier: String? = nil,
        minOrders: Int? = nil,
        maxOrders: Int? = nil,
        minSpend: Int64? = nil,
        maxSpend: Int64? = nil,
        inactiveDays: Int? = nil,
        lapsingCategory: String? = nil
    ) {
        self.tag = tag
        self.tier = tier
        self.minOrders = minOrders
        self.maxOrders = maxOrders
        self.minSpend = minSpend
        self.maxSpend = maxSpend
        self.inactiveDays = inactiveDays
        self.lapsingCategory = lapsingCategory
    }
}

extension MemberFilter {
    /// Records ``invalidFields`` under `field` (`entry.filter.min_orders`), and the text limits of
    /// the spec for `tag` and `tier`.
    public func validate(into v: inout Validator, field: String) {
        for (name, value) in [("tag", tag), ("tier", tier), ("lapsing_category", lapsingCategory)] {
            if let value {
                v.text(value, "\(field).\(name)", max: name == "lapsing_category" ? 128 : 64, required: true)
            }
        }
        for (name, message) in invalidFields { v.fail("\(field).\(name)", message) }
    }
}
