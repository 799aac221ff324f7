import Foundation

/// A top-up offer of the program: "top up 500, get 500 more, 50 a week for 10 weeks".
///
/// A top-up of at least ``minimumAmount`` earns ``bonus`` minor units of wallet bonus, paid in
/// ``installments`` payments a ``period`` apart, the first when the top-up is paid.
public struct TopUpOffer: Sendable, Hashable, Codable {
    /// The shop's name for it, such as `500-plus-500` (see ``isValidCode(_:)``).
    public var code: String
    /// Top-ups of at least this many minor units qualify.
    public var minimumAmount: Int64
    /// The whole bonus, minor units.
    public var bonus: Int64
    /// How many payments the bonus comes in; 1: all at once.
    public var installments: Int
    /// How far apart the payments fall, when there are more than one.
    public var period: InstallmentPeriod
    /// Whether the rounding remainder goes to the first payments (else to the last ones).
    public var remainderFirst: Bool
    /// Each payment of bonus expires this many days after it is paid; `nil`: never.
    public var bonusExpiresDays: Int64?

    public init(
        code: String,
        minimumAmount: Int64,
        bonus: Int64,
        installments: Int = 1,
        period: InstallmentPeriod = .month,
        remainderFirst: Bool = true,
        bonusExpiresDays: Int64? = nil
    ) {
        self.code = code
        self.minimumAmount = minimumAmount
        self.bonus = bonus
        self.installments = installments
        self.period = period
        self.remainderFirst = remainderFirst
        self.bonusExpiresDays = bonusExpiresDays
    }

    enum CodingKeys: String, CodingKey {
        case code, bonus, installments, period
        case minimumAmount = "minimum_amount"
        case remainderFirst = "remainder_first"
        case bonusExpiresDays = "bonus_expires_days"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        minimumAmount = try c.decode(Int64.self, forKey: .minimumAmount)
        bonus = try c.decode(Int64.self, forKey: .bonus)
        installments = try c.decodeIfPresent(Int.self, forKey: .installments) ?? 1
        period = try c.decodeIfPresent(InstallmentPeriod.self, forKey: .period) ?? .month
        remainderFirst = try c.decodeIfPresent(Bool.self, forKey: .remainderFirst) ?? true
        bonusExpiresDays = try c.decodeIfPresent(Int64.self, forKey: .bonusExpiresDays)
    }

    /// Offer codes are short identifiers like activity types (``ActivityRule/isValidType(_:)``),
    /// except that they may also start with a digit, because shops name offers by their
    /// amounts: `500-plus-500`. 1–64 characters from a-z 0-9 _ . -, starting with a letter or
    /// digit.
    public static func isValidCode(_ code: String) -> Bool {
        let scalars = code.unicodeScalars
        guard let first = scalars.first, !"_.-".unicodeScalars.contains(first), scalars.count <= 64 else {
            return false
        }
        return scalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
        }
    }

    /// The bonus payments of a top-up paid at `paidAt`: the first due at once, the rest a
    /// ``period`` apart by the calendar of `zone`, split as ``remainderFirst`` says.
    public func plan(paidAt: Date, in zone: TimeZone) -> [PlannedInstallment] {
        InstallmentPlan.plan(
            total: bonus,
            count: installments,
            period: period,
            start: paidAt,
            remainderFirst: remainderFirst,
            in: zone
        )
    }

    /// When a payment of bonus made at `paidAt` expires: ``bonusExpiresDays`` calendar days of
    /// `zone` later (the same clock time), or `nil` when bonus never expires.
    public func bonusExpiresAt(paidAt: Date, in zone: TimeZone) -> Date? {
        // Clamped: validated offers allow at most 3650 days, and a hostile value must not trap.
        guard let days = bonusExpiresDays.map({ Int(clamping: min(max($0, 0), 36_500)) }) else { return nil }
        return Calendar.gregorian(in: zone).date(byAdding: .day, value: days, to: paidAt)
            ?? paidAt.addingTimeInterval(TimeInterval(days) * 86_400)
    }
}

/// What a refunded top-up does about bonus the member already spent.
public enum TopUpRefundPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The shop keeps back from the refunded principal what the member spent of the bonus
    /// (never more than that principal): the default, because otherwise "top up, spend the
    /// bonus, refund" is free money.
    case deductSpentBonus = "deduct_spent_bonus"
    /// The member gets all unspent principal back; spent bonus is forgiven.
    case forgive
}

/// The program's wallet (储值) settings: spending order, top-up offers, what a refunded
/// top-up does with spent bonus, and when members hear that bonus is about to expire.
public struct WalletRules: Sendable, Hashable, Codable {
    public static let maxOffers = 20

    public var spendingOrder: SpendingOrder
    public var offers: [TopUpOffer]
    public var refundPolicy: TopUpRefundPolicy
    /// `wallet.bonus_expiring` this many days before bonus expires; 0: no reminders.
    public var remindDaysBefore: Int64

    public init(
        spendingOrder: SpendingOrder = .bonusFirst,
        offers: [TopUpOffer] = [],
        refundPolicy: TopUpRefundPolicy = .deductSpentBonus,
        remindDaysBefore: Int64 = 3
    ) {
        self.spendingOrder = spendingOrder
        self.offers = offers
        self.refundPolicy = refundPolicy
        self.remindDaysBefore = remindDaysBefore
    }

    enum CodingKeys: String, CodingKey {
        case offers
        case spendingOrder = "spending_order"
        case refundPolicy = "refund_policy"
        case remindDaysBefore = "remind_days_before"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = WalletRules()
        spendingOrder = try c.decodeIfPresent(SpendingOrder.self, forKey: .spendingOrder) ?? defaults.spendingOrder
        offers = try c.decodeIfPresent([TopUpOffer].self, forKey: .offers) ?? defaults.offers
        refundPolicy = try c.decodeIfPresent(TopUpRefundPolicy.self, forKey: .refundPolicy) ?? defaults.refundPolicy
        remindDaysBefore = try c.decodeIfPresent(Int64.self, forKey: .remindDaysBefore) ?? defaults.remindDaysBefore
    }

    /// Records every invalid field under `wallet.`: at most ``maxOffers`` offers; codes are
    /// identifiers (``TopUpOffer/isValidCode(_:)``) and unique; minimum amounts and bonuses
    /// are 1...``Money/maxMinorUnits``; 1...120 installments and a bonus of at least one minor
    /// unit per installment; bonus expiry 1...3650 days when set; reminders 0...365 days ahead.
    public func validate(into v: inout Validator) {
        if offers.count > Self.maxOffers { v.fail("wallet.offers", "must have at most \(Self.maxOffers) items") }
        let money: ClosedRange<Int64> = 1...Money.maxMinorUnits
        var codes = Set<String>()
        for (i, offer) in offers.enumerated() {
            let field = "wallet.offers[\(i)]"
            if !TopUpOffer.isValidCode(offer.code) {
                v.fail("\(field).code", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter or digit")
            } else if !codes.insert(offer.code).inserted {
                v.fail("\(field).code", "'\(offer.code)' is defined twice")
            }
            if !money.contains(offer.minimumAmount) {
                v.fail("\(field).minimum_amount", "must be between 1 and \(Money.maxMinorUnits)")
            }
            if !money.contains(offer.bonus) { v.fail("\(field).bonus", "must be between 1 and \(Money.maxMinorUnits)") }
            if !(1...ScheduleDraft.maxInstallments).contains(offer.installments) {
                v.fail("\(field).installments", "must be between 1 and \(ScheduleDraft.maxInstallments)")
            } else if money.contains(offer.bonus) && offer.bonus < Int64(offer.installments) {
                v.fail("\(field).installments", "must not exceed bonus: every installment pays at least 1 minor unit")
            }
            if let days = offer.bonusExpiresDays, !(1...3650).contains(days) {
                v.fail("\(field).bonus_expires_days", "must be between 1 and 3650")
            }
        }
        if !(0...365).contains(remindDaysBefore) { v.fail("wallet.remind_days_before", "must be between 0 and 365") }
    }

    /// The offer a top-up of `amount` earns: of the offers it qualifies for (`minimumAmount`
    /// ≤ `amount`), the one with the largest minimum, so a 500 top-up gets the 500 offer and
    /// not the 200 one; ties go to the larger bonus, then to the offer listed first. `nil` when
    /// none qualifies or `amount` is below 1.
    public func bestOffer(for amount: Int64) -> TopUpOffer? {
        guard amount >= 1 else { return nil }
        var best: TopUpOffer?
        for offer in offers where offer.minimumAmount <= amount {
            guard let current = best else {
                best = offer
                continue
            }
            if offer.minimumAmount > current.minimumAmount
                || (offer.minimumAmount == current.minimumAmount && offer.bonus > current.bonus)
            {
                best = offer
            }
        }
        return best
    }
}
