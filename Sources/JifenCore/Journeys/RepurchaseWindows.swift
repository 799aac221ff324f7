import Foundation

/// How long a shop's customers usually take to buy again, by product category (cosmetics ~76
/// days, women's shoes ~78): a member who has not bought again within the window of what it
/// last bought is lapsing, and a win-back journey can start.
///
/// JSON: `{"default_days": 60, "categories": {"cosmetics": 76, "womens-shoes": 78}}`.
public struct RepurchaseWindows: Sendable, Hashable, Codable {
    /// The window of a category not listed, and of a purchase without a category.
    public var defaultDays: Int64
    /// Windows by category name, as orders name their lines' categories.
    public var categories: [String: Int64]

    /// The most categories a shop may list: enough for any catalogue's top level.
    public static let maxCategories = 200

    public init(defaultDays: Int64, categories: [String: Int64] = [:]) {
        self.defaultDays = defaultDays
        self.categories = categories
    }

    enum CodingKeys: String, CodingKey {
        case categories
        case defaultDays = "default_days"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultDays = try container.decode(Int64.self, forKey: .defaultDays)
        categories = try container.decodeIfPresent([String: Int64].self, forKey: .categories) ?? [:]
    }

    /// The window of `category` in days: its own if listed, else the default.
    public func days(for category: String?) -> Int64 {
        category.flatMap { categories[$0] } ?? defaultDays
    }

    /// When the member is expected to buy again: `lastPurchase` plus the window, in whole days
    /// of 86,400 seconds — an interval, not calendar days, so it does not depend on a zone.
    public func nextExpected(after lastPurchase: Date, category: String?) -> Date {
        // In Double: an unvalidated window cannot trap on overflow.
        lastPurchase.addingTimeInterval(TimeInterval(days(for: category)) * 86_400)
    }

    /// Whether the member has lapsed at `now`: from the expected date itself on, not before.
    public func isLapsed(lastPurchase: Date, category: String?, now: Date) -> Bool {
        now >= nextExpected(after: lastPurchase, category: category)
    }

    /// Records every invalid setting: windows of 1 to 3650 days, at most 200 categories, names of
    /// 1 to 128 characters (like order line categories). Fields are
    /// `repurchase.default_days` and `repurchase.categories.<name>`.
    public func validate(into v: inout Validator) {
        if !(1...3650).contains(defaultDays) { v.fail("repurchase.default_days", "must be between 1 and 3650") }
        if categories.count > Self.maxCategories {
            v.fail("repurchase.categories", "must have at most \(Self.maxCategories) items")
        }
        // Sorted: the same request reports its errors in the same order every time.
        for (name, days) in categories.sorted(by: { $0.key < $1.key }) {
            let field = "repurchase.categories.\(name)"
            v.text(name, field, max: 128, required: true)
            if !(1...3650).contains(days) { v.fail(field, "must be between 1 and 3650") }
        }
    }
}
