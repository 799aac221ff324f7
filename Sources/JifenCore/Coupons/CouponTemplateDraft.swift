import Foundation

/// A coupon template as a shop creates it through the API, validated: every invalid field is
/// reported at once, named by its JSON name (`gift_sku`, `eligibility.categories[2]`).
public struct CouponTemplateDraft: Sendable, Hashable {
    public static let kinds = ["amount_off", "percent_off", "free_shipping", "gift"]
    public static let maxValidDays: Int64 = 3650
    public static let maxPerMemberLimit: Int64 = 1_000_000
    public static let maxStock: Int64 = 1_000_000_000
    /// Items in each eligibility list: enough for any real selection, and a bound on the work
    /// of matching every cart line against them.
    public static let maxEligibilityItems = 100

    public var name: String
    public var currency: Currency
    public var benefit: CouponBenefit
    public var minimumSpend: Int64
    public var eligibility: CouponEligibility
    public var validity: CouponValidity
    public var perMemberLimit: Int64?
    public var stock: Int64?
    public var stacksWithCoupons: Bool
    public var stacksWithPoints: Bool

    public init(
        name: String,
        currency: Currency,
        benefit: CouponBenefit,
        minimumSpend: Int64 = 0,
        eligibility: CouponEligibility = CouponEligibility(),
        validity: CouponValidity,
        perMemberLimit: Int64? = nil,
        stock: Int64? = nil,
        stacksWithCoupons: Bool = false,
        stacksWithPoints: Bool = true
    ) {
        self.name = name
        self.currency = currency
        self.benefit = benefit
        self.minimumSpend = minimumSpend
        self.eligibility = eligibility
        self.validity = validity
        self.perMemberLimit = perMemberLimit
        self.stock = stock
        self.stacksWithCoupons = stacksWithCoupons
        self.stacksWithPoints = stacksWithPoints
    }

    /// Checks a template as the API receives it. A coupon stacks with points but not with other
    /// coupons unless told otherwise: what most shops' terms say.
    public static func validate(
        name: String,
        currency: String,
        kind: String,
        amount: Int64?,
        percent: Int64?,
        giftSKU: String?,
        minimumSpend: Int64?,
        eligibility: CouponEligibility?,
        validFrom: Date?,
        validUntil: Date?,
        validDays: Int64?,
        perMemberLimit: Int64?,
        stock: Int64?,
        stacksWithCoupons: Bool?,
        stacksWithPoints: Bool?
    ) throws(JifenError) -> CouponTemplateDraft {
        var v = Validator()
        v.text(name, "name", max: 200, required: true)
        let parsedCurrency = v.check { () throws(JifenError) in try Currency(currency, field: "currency") }
        if !kinds.contains(kind) { v.fail("kind", "must be one of \(kinds.joined(separator: ", "))") }
        checkBenefit(kind: kind, amount: amount, percent: percent, giftSKU: giftSKU, into: &v)
        if let minimumSpend, !(0...Money.maxMinorUnits).contains(minimumSpend) {
            v.fail("minimum_spend", "must be between 0 and \(Money.maxMinorUnits)")
        }
        if let eligibility { checkEligibility(eligibility, into: &v) }
        checkValidity(from: validFrom, until: validUntil, days: validDays, into: &v)
        if let perMemberLimit, !(1...maxPerMemberLimit).contains(perMemberLimit) {
            v.fail("per_member_limit", "must be between 1 and \(maxPerMemberLimit)")
        }
        if let stock, !(0...maxStock).contains(stock) { v.fail("stock", "must be between 0 and \(maxStock)") }
        try v.finish()

        // Every field checked above: the benefit, currency and validity are all present.
        let benefit: CouponBenefit =
            switch kind {
            case "amount_off": .amountOff(amount!)
            case "percent_off": .percentOff(percent!)
            case "free_shipping": .freeShipping
            default: .gift(sku: giftSKU!)
            }
        let validity: CouponValidity =
            if let validDays { .days(validDays) } else { .window(from: validFrom!, until: validUntil!) }
        return CouponTemplateDraft(
            name: name,
            currency: parsedCurrency!,
            benefit: benefit,
            minimumSpend: minimumSpend ?? 0,
            eligibility: eligibility ?? CouponEligibility(),
            validity: validity,
            perMemberLimit: perMemberLimit,
            stock: stock,
            stacksWithCoupons: stacksWithCoupons ?? false,
            stacksWithPoints: stacksWithPoints ?? true
        )
    }

    /// The template this draft describes, under `id`.
    public func template(id: UUID) -> CouponTemplate {
        CouponTemplate(
            id: id,
            name: name,
            currency: currency,
            benefit: benefit,
            minimumSpend: minimumSpend,
            eligibility: eligibility,
            validity: validity,
            perMemberLimit: perMemberLimit,
            stock: stock,
            stacksWithCoupons: stacksWithCoupons,
            stacksWithPoints: stacksWithPoints
        )
    }

    /// Each benefit field is required by its kind and refused by the others, so a template never
    /// carries a value that silently does nothing. With an unknown kind only the ranges of the
    /// values given are checked: which are required is unknowable.
    static func checkBenefit(kind: String, amount: Int64?, percent: Int64?, giftSKU: String?, into v: inout Validator) {
        let known = kinds.contains(kind)
        func field(_ name: String, for owner: String, present: Bool) -> Bool {
            guard known else { return present }
            if kind == owner && !present {
                v.fail(name, "is required for \(owner)")
            } else if kind != owner && present {
                v.fail(name, "is only for \(owner)")
                return false
            }
            return present
        }
        if field("amount", for: "amount_off", present: amount != nil), let amount,
            !(1...Money.maxMinorUnits).contains(amount)
        {
            v.fail("amount", "must be between 1 and \(Money.maxMinorUnits)")
        }
        if field("percent", for: "percent_off", present: percent != nil), let percent, !(1...100).contains(percent) {
            v.fail("percent", "must be between 1 and 100")
        }
        if field("gift_sku", for: "gift", present: giftSKU != nil) {
            v.text(giftSKU, "gift_sku", max: 128, required: true)
        }
    }

    static func checkEligibility(_ eligibility: CouponEligibility, into v: inout Validator) {
        let lists = [
            ("categories", eligibility.categories), ("skus", eligibility.skus),
            ("excluded_categories", eligibility.excludedCategories), ("excluded_skus", eligibility.excludedSkus),
        ]
        for (name, items) in lists {
            if items.count > maxEligibilityItems {
                v.fail("eligibility.\(name)", "must have at most \(maxEligibilityItems) items")
                continue
            }
            for (index, item) in items.enumerated() {
                v.text(item, "eligibility.\(name)[\(index)]", max: 128, required: true)
            }
        }
    }

    /// Exactly one of a fixed window (both ends) or a number of days from issue.
    static func checkValidity(from: Date?, until: Date?, days: Int64?, into v: inout Validator) {
        if let days {
            if from != nil || until != nil {
                v.fail("valid_days", "give either valid_days or valid_from and valid_until, not both")
            } else if !(1...maxValidDays).contains(days) {
                v.fail("valid_days", "must be between 1 and \(maxValidDays)")
            }
            return
        }
        switch (from, until) {
        case (nil, nil):
            v.fail("valid_days", "is required unless valid_from and valid_until are given")
        case (nil, _):
            v.fail("valid_from", "is required with valid_until")
        case (_, nil):
            v.fail("valid_until", "is required with valid_from")
        case (let from?, let until?):
            if until <= from { v.fail("valid_until", "must be after valid_from") }
        }
    }
}
