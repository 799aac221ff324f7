import Foundation

/// A shop's loyalty program: how points are earned, held back, spent and taken back.
///
/// Programs are versioned: every change is a new version, and every award records the version
/// it used, so a refund is measured against the rules the points were earned under.
public struct Program: Sendable, Hashable, Codable {
    /// 0 for the default program of a shop that never saved one.
    public var version: Int
    /// When set, orders in other currencies earn nothing (`currency_mismatch`), and money
    /// amounts (minimum order, redemption value) are in this currency. When not, they are in
    /// each order's currency.
    public var currency: Currency?
    /// IANA zone for calendar rules: daily caps and limits count local days.
    public var timeZone: String
    public var earning: EarningRules
    /// Days an order's points stay pending (visible, not spendable) after payment: the
    /// return window.
    public var pendingDays: Int64
    public var redemption: RedemptionRules
    public var clawback: ClawbackPolicy
    public var activities: [ActivityRule]
    public var expiry: ExpiryRules
    /// `nil`: check-ins are off.
    public var checkIn: CheckInRules?
    /// `nil`: no tiers.
    public var tiers: TierRules?
    /// `nil`: no lapse detection.
    public var lapse: LapseRules?
    /// `nil`: referrals are recorded but reward nothing.
    public var referrals: ReferralRules?
    /// Welcome pack, what a cancelled order's coupons become, reminders.
    public var coupons: CouponRules
    /// Stored value: the spending order, top-up offers, the refund policy, reminders.
    public var wallet: WalletRules
    /// Repurchase windows per category (`member.lapsing`, journeys); `nil`: not kept.
    public var repurchase: RepurchaseWindows?

    public init(
        version: Int = 0,
        currency: Currency? = nil,
        timeZone: String = "UTC",
        earning: EarningRules = EarningRules(),
        pendingDays: Int64 = 0,
        redemption: RedemptionRules = RedemptionRules(),
        clawback: ClawbackPolicy = .allowNegative,
        activities: [ActivityRule] = [],
        expiry: ExpiryRules = .never,
        checkIn: CheckInRules? = nil,
        tiers: TierRules? = nil,
        lapse: LapseRules? = nil,
        referrals: ReferralRules? = nil,
        coupons: CouponRules = CouponRules(),
        wallet: WalletRules = WalletRules(),
        repurchase: RepurchaseWindows? = nil
    ) {
        self.version = version
        self.currency = currency
        self.timeZone = timeZone
        self.earning = earning
        self.pendingDays = pendingDays
        self.redemption = redemption
        self.clawback = clawback
        self.activities = activities
        self.expiry = expiry
        self.checkIn = checkIn
        self.tiers = tiers
        self.lapse = lapse
        self.referrals = referrals
        self.coupons = coupons
        self.wallet = wallet
        self.repurchase = repurchase
    }

    /// What a shop that never saved a program runs: 1 point per whole unit of the order's
    /// currency, rounded down, available at once; 100 points are worth 1 unit.
    public static let `default` = Program()

    enum CodingKeys: String, CodingKey {
        case version, currency, earning, redemption, clawback, activities, expiry, tiers, lapse, referrals, coupons,
            wallet, repurchase
        case timeZone = "time_zone"
        case checkIn = "check_in"
        case pendingDays = "pending_days"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? 0
        currency = try container.decodeIfPresent(Currency.self, forKey: .currency)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC"
        earning = try container.decodeIfPresent(EarningRules.self, forKey: .earning) ?? EarningRules()
        pendingDays = try container.decodeIfPresent(Int64.self, forKey: .pendingDays) ?? 0
        redemption = try container.decodeIfPresent(RedemptionRules.self, forKey: .redemption) ?? RedemptionRules()
        clawback = try container.decodeIfPresent(ClawbackPolicy.self, forKey: .clawback) ?? .allowNegative
        activities = try container.decodeIfPresent([ActivityRule].self, forKey: .activities) ?? []
        expiry = try container.decodeIfPresent(ExpiryRules.self, forKey: .expiry) ?? .never
        checkIn = try container.decodeIfPresent(CheckInRules.self, forKey: .checkIn)
        tiers = try container.decodeIfPresent(TierRules.self, forKey: .tiers)
        lapse = try container.decodeIfPresent(LapseRules.self, forKey: .lapse)
        referrals = try container.decodeIfPresent(ReferralRules.self, forKey: .referrals)
        coupons = try container.decodeIfPresent(CouponRules.self, forKey: .coupons) ?? CouponRules()
        wallet = try container.decodeIfPresent(WalletRules.self, forKey: .wallet) ?? WalletRules()
        repurchase = try container.decodeIfPresent(RepurchaseWindows.self, forKey: .repurchase)
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? .gmt }

    /// Whether an order in `currency` earns (and counts in the statistics): a program with a
    /// currency of its own earns only in it (`currency_mismatch`).
    public func earns(in currency: Currency) -> Bool { self.currency.map { $0 == currency } ?? true }

    public func activity(_ type: String) -> ActivityRule? { activities.first { $0.type == type } }

    /// When a lot earned at `date` expires under this program; `nil` if it has no date.
    public func expiresAt(earnedAt date: Date) -> Date? { expiry.expiresAt(earnedAt: date, in: zone) }

    /// The local calendar day number of `date` in the program's zone.
    public func localDay(_ date: Date) -> Int { LocalDay.number(of: date, in: zone) }

    /// When points earned at `date` with `days` pending days become available.
    public func availableAt(earnedAt date: Date, pendingDays days: Int64) -> Date {
        date.addingTimeInterval(TimeInterval(days) * 86_400)
    }

    /// The local calendar day containing `date`, as a UTC interval, for daily caps and limits.
    public func day(containing date: Date) -> DateInterval {
        Calendar.gregorian(in: zone).dateInterval(of: .day, for: date) ?? DateInterval(start: date, duration: 86_400)
    }

    /// Names every invalid setting at once, with its path (`earning.rate.per`).
    public func validate() throws(JifenError) {
        var v = Validator()
        if TimeZone(identifier: timeZone) == nil {
            v.fail("time_zone", "must be an IANA time zone such as Asia/Shanghai")
        }
        let rate = earning.rate
        if rate.points < 0 || rate.points > 1_000_000 { v.fail("earning.rate.points", "must be between 0 and 1000000") }
        if rate.per < 1 || rate.per > 1_000_000 { v.fail("earning.rate.per", "must be between 1 and 1000000") }
        Self.range(earning.minimumOrderAmount, "earning.minimum_order_amount", 0...Money.maxMinorUnits, &v)
        if earning.excludedCategories.count > 100 {
            v.fail("earning.excluded_categories", "must have at most 100 items")
        }
        for (i, category) in earning.excludedCategories.enumerated() {
            v.text(category, "earning.excluded_categories[\(i)]", max: 128, required: true)
        }
        if earning.multipliers.count > 200 { v.fail("earning.multipliers", "must have at most 200 items") }
        for (i, rule) in earning.multipliers.enumerated() {
            let field = "earning.multipliers[\(i)]"
            if (rule.sku == nil) == (rule.category == nil) { v.fail(field, "must name exactly one of sku or category") }
            v.text(rule.sku, "\(field).sku", max: 128)
            v.text(rule.category, "\(field).category", max: 128)
            Self.range(rule.percent, "\(field).percent", 0...10_000, &v)
        }
        Self.range(earning.firstOrderBonus, "earning.first_order_bonus", 0...1_000_000_000, &v)
        if let cap = earning.maxPointsPerOrder { Self.range(cap, "earning.max_points_per_order", 0...Int64(1e12), &v) }
        if let cap = earning.maxPointsPerMemberPerDay {
            Self.range(cap, "earning.max_points_per_member_per_day", 0...Int64(1e12), &v)
        }
        Self.range(pendingDays, "pending_days", 0...3650, &v)
        Self.range(redemption.points, "redemption.points", 1...1_000_000, &v)
        Self.range(redemption.amount, "redemption.amount", 0...1_000_000_000, &v)
        Self.range(redemption.minimumPoints, "redemption.minimum_points", 1...1_000_000_000, &v)
        Self.range(redemption.maxOrderSharePercent, "redemption.max_order_share_percent", 0...100, &v)
        Self.range(redemption.holdMinutes, "redemption.hold_minutes", 1...10_080, &v)
        if activities.count > 100 { v.fail("activities", "must have at most 100 items") }
        var types = Set<String>()
        for (i, rule) in activities.enumerated() {
            let field = "activities[\(i)]"
            if !ActivityRule.isValidType(rule.type) {
                v.fail("\(field).type", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
            } else if !types.insert(rule.type).inserted {
                v.fail("\(field).type", "'\(rule.type)' is defined twice")
            }
            Self.range(rule.points, "\(field).points", 0...1_000_000_000, &v)
            if let limit = rule.dailyLimit { Self.range(limit, "\(field).daily_limit", 0...1_000_000, &v) }
            if let limit = rule.lifetimeLimit { Self.range(limit, "\(field).lifetime_limit", 0...1_000_000_000, &v) }
            Self.range(rule.pendingDays, "\(field).pending_days", 0...3650, &v)
        }
        expiry.validate(into: &v)
        checkIn?.validate(into: &v)
        tiers?.validate(into: &v)
        lapse?.validate(into: &v)
        referrals?.validate(into: &v)
        coupons.validate(into: &v)
        wallet.validate(into: &v)
        repurchase?.validate(into: &v)
        try v.finish()
    }

    private static func range(_ value: Int64, _ field: String, _ range: ClosedRange<Int64>, _ v: inout Validator) {
        if !range.contains(value) { v.fail(field, "must be between \(range.lowerBound) and \(range.upperBound)") }
    }
}

extension ActivityRule {
    /// Activity types are short identifiers, like `review` or `photo_review`.
    public static func isValidType(_ type: String) -> Bool {
        guard let first = type.unicodeScalars.first, ("a"..."z").contains(first), type.unicodeScalars.count <= 64
        else { return false }
        return type.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
        }
    }
}
