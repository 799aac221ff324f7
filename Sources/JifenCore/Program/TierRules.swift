import Foundation

/// Membership tiers (e.g. 95 % / 92 % / 90 % / 88 % of price at 0 / 2,000 / 5,000 / 20,000 yuan
/// of spend): levels a member climbs by **qualifying** spend or orders — paid, not refunded,
/// past the return window — never by its points balance, which redemptions would lower and
/// bonuses raise.
///
/// A member moves up as soon as an order qualifies; it moves down only at the periodic
/// evaluation, and only after it has stayed below its level for `graceDays`.
public struct TierRules: Sendable, Hashable, Codable {
    public enum Metric: String, Sendable, Hashable, Codable {
        /// Qualifying spend in minor units of the program's currency.
        case spend
        /// Qualifying orders.
        case orders
    }

    public enum Window: String, Sendable, Hashable, Codable {
        case lifetime
        /// Orders that qualified in the last 12 months.
        case rolling12Months = "rolling_12_months"
    }

    public struct Level: Sendable, Hashable, Codable {
        /// The shop's name for it in the API and events: `gold`.
        public var code: String
        public var name: String
        /// The metric's value from which the level is reached; the first level's is 0.
        public var threshold: Int64
        /// Applied to the points an order earns (150 = ×1.5).
        public var earnMultiplierPercent: Int64
        /// Off every line at checkout (`POST /v1/checkout/quotes`): 5 = 5 % off, the member pays 95 %.
        public var discountPercent: Int64
        /// Shipping is free for the level's members at checkout.
        public var freeShipping: Bool
        /// Free-form benefits for the shop to honour.
        public var perks: [String]

        public init(
            code: String,
            name: String,
            threshold: Int64,
            earnMultiplierPercent: Int64 = 100,
            discountPercent: Int64 = 0,
            freeShipping: Bool = false,
            perks: [String] = []
        ) {
            self.code = code
            self.name = name
            self.threshold = threshold
            self.earnMultiplierPercent = earnMultiplierPercent
            self.discountPercent = discountPercent
            self.freeShipping = freeShipping
            self.perks = perks
        }

        enum CodingKeys: String, CodingKey {
            case code, name, threshold, perks
            case earnMultiplierPercent = "earn_multiplier_percent"
            case discountPercent = "discount_percent"
            case freeShipping = "free_shipping"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decode(String.self, forKey: .code)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? code
            threshold = try container.decode(Int64.self, forKey: .threshold)
            earnMultiplierPercent = try container.decodeIfPresent(Int64.self, forKey: .earnMultiplierPercent) ?? 100
            discountPercent = try container.decodeIfPresent(Int64.self, forKey: .discountPercent) ?? 0
            freeShipping = try container.decodeIfPresent(Bool.self, forKey: .freeShipping) ?? false
            perks = try container.decodeIfPresent([String].self, forKey: .perks) ?? []
        }
    }

    public var metric: Metric
    public var window: Window
    /// Days a member keeps its level after falling below it, before an evaluation lowers it.
    public var graceDays: Int64
    /// Ascending by threshold; the first (threshold 0) is where every member starts.
    public var levels: [Level]

    public init(metric: Metric = .spend, window: Window = .lifetime, graceDays: Int64 = 30, levels: [Level]) {
        self.metric = metric
        self.window = window
        self.graceDays = graceDays
        self.levels = levels
    }

    enum CodingKeys: String, CodingKey {
        case metric, window, levels
        case graceDays = "grace_days"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metric = try container.decodeIfPresent(Metric.self, forKey: .metric) ?? .spend
        window = try container.decodeIfPresent(Window.self, forKey: .window) ?? .lifetime
        graceDays = try container.decodeIfPresent(Int64.self, forKey: .graceDays) ?? 30
        levels = try container.decode([Level].self, forKey: .levels)
    }

    /// The base level, where members without a qualifying order are.
    public var base: Level { levels[0] }

    /// The highest level whose threshold `value` reaches.
    public func level(for value: Int64) -> Level {
        levels.last { $0.threshold <= value } ?? base
    }

    /// The level's rank (0 = base); an unknown code (a level since removed) ranks as the base.
    public func rank(of code: String?) -> Int {
        levels.firstIndex { $0.code == code } ?? 0
    }

    public func level(code: String?) -> Level { levels[rank(of: code)] }

    /// The next level up from `code`, if any.
    public func next(after code: String?) -> Level? {
        let rank = rank(of: code)
        return rank + 1 < levels.count ? levels[rank + 1] : nil
    }

    /// What one qualifying order adds to the metric.
    public func contribution(ofSpend spend: Int64) -> Int64 {
        switch metric {
        case .spend: spend
        case .orders: spend > 0 ? 1 : 0
        }
    }

    /// Where the rolling window starts at `now`; `nil` for lifetime.
    public func windowStart(now: Date, in zone: TimeZone) -> Date? {
        guard window == .rolling12Months else { return nil }
        return Calendar.gregorian(in: zone).date(byAdding: .month, value: -12, to: now)
    }

    /// Until when a member keeps `level` if it earns nothing more: for a rolling window, the
    /// day its oldest qualifying orders leave the window and take it below the threshold, plus
    /// the grace period; for lifetime, never (`nil`) unless it is already below (refunds),
    /// when the grace period runs from `belowSince`. `orders` are the qualifying ones in the
    /// window, `(qualified at, spend)`.
    public func keptUntil(
        level: Level,
        orders: [(qualifiedAt: Date, spend: Int64)],
        belowSince: Date?,
        in zone: TimeZone
    ) -> Date? {
        let grace = TimeInterval(graceDays) * 86_400
        if let belowSince { return belowSince.addingTimeInterval(grace) }
        guard window == .rolling12Months, level.threshold > 0 else { return nil }
        var remaining = orders.reduce(Int64(0)) { $0 + contribution(ofSpend: $1.spend) }
        for order in orders.sorted(by: { $0.qualifiedAt < $1.qualifiedAt }) {
            remaining -= contribution(ofSpend: order.spend)
            if remaining < level.threshold {
                let leaves = Calendar.gregorian(in: zone).date(byAdding: .month, value: 12, to: order.qualifiedAt)
                return leaves?.addingTimeInterval(grace)
            }
        }
        return nil
    }

    func validate(into v: inout Validator) {
        if levels.isEmpty || levels.count > 20 { v.fail("tiers.levels", "must have 1 to 20 levels") }
        if !(0...3650).contains(graceDays) { v.fail("tiers.grace_days", "must be between 0 and 3650") }
        var codes = Set<String>()
        for (i, level) in levels.enumerated() {
            let field = "tiers.levels[\(i)]"
            if !ActivityRule.isValidType(level.code) {
                v.fail("\(field).code", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
            } else if !codes.insert(level.code).inserted {
                v.fail("\(field).code", "'\(level.code)' is defined twice")
            }
            v.text(level.name, "\(field).name", max: 100, required: true)
            if i == 0 && level.threshold != 0 {
                v.fail("\(field).threshold", "must be 0: the first level is where every member starts")
            }
            if i > 0 && level.threshold <= levels[i - 1].threshold {
                v.fail("\(field).threshold", "must be above the previous level's")
            }
            if !(0...Money.maxMinorUnits).contains(level.threshold) {
                v.fail("\(field).threshold", "must be between 0 and \(Money.maxMinorUnits)")
            }
            if !(0...10_000).contains(level.earnMultiplierPercent) {
                v.fail("\(field).earn_multiplier_percent", "must be between 0 and 10000")
            }
            if !(0...100).contains(level.discountPercent) {
                v.fail("\(field).discount_percent", "must be between 0 and 100")
            }
            if level.perks.count > 50 { v.fail("\(field).perks", "must have at most 50 items") }
            for (j, perk) in level.perks.enumerated() { v.text(perk, "\(field).perks[\(j)]", max: 100, required: true) }
        }
    }
}

/// Lapse detection: a member who has not ordered within the shop's repurchase window (apparel
/// ~47 days, cosmetics ~76) is "lapsed" once, so the shop can send a win-back offer.
public struct LapseRules: Sendable, Hashable, Codable {
    public var repurchaseWindowDays: Int64

    public init(repurchaseWindowDays: Int64) { self.repurchaseWindowDays = repurchaseWindowDays }

    enum CodingKeys: String, CodingKey { case repurchaseWindowDays = "repurchase_window_days" }

    func validate(into v: inout Validator) {
        if !(1...3650).contains(repurchaseWindowDays) {
            v.fail("lapse.repurchase_window_days", "must be between 1 and 3650")
        }
    }
}
