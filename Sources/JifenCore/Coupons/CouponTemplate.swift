import Foundation

/// What a coupon gives. Amounts are minor units of the template's currency.
public enum CouponBenefit: Sendable, Hashable {
    /// `amount` off the eligible lines (never more than they cost).
    case amountOff(Int64)
    /// `percent` % off the eligible lines (1...100).
    case percentOff(Int64)
    /// The shipping amount is waived.
    case freeShipping
    /// A gift: the SKU is added to the order at no charge.
    case gift(sku: String)

    public var kind: String {
        switch self {
        case .amountOff: "amount_off"
        case .percentOff: "percent_off"
        case .freeShipping: "free_shipping"
        case .gift: "gift"
        }
    }
}

/// Which cart lines a coupon applies to. Empty `categories` and `skus`: every line, minus the
/// exclusions. A line is eligible when it matches an inclusion (if any are given) and no exclusion.
public struct CouponEligibility: Sendable, Hashable, Codable {
    public var categories: [String]
    public var skus: [String]
    public var excludedCategories: [String]
    public var excludedSkus: [String]

    public init(
        categories: [String] = [],
        skus: [String] = [],
        excludedCategories: [String] = [],
        excludedSkus: [String] = []
    ) {
        self.categories = categories
        self.skus = skus
        self.excludedCategories = excludedCategories
        self.excludedSkus = excludedSkus
    }

    enum CodingKeys: String, CodingKey {
        case categories, skus
        case excludedCategories = "excluded_categories"
        case excludedSkus = "excluded_skus"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        categories = try c.decodeIfPresent([String].self, forKey: .categories) ?? []
        skus = try c.decodeIfPresent([String].self, forKey: .skus) ?? []
        excludedCategories = try c.decodeIfPresent([String].self, forKey: .excludedCategories) ?? []
        excludedSkus = try c.decodeIfPresent([String].self, forKey: .excludedSkus) ?? []
    }
}

/// How long a coupon is valid: a fixed window, or `days` local days from the day it becomes
/// valid (the day of issue, or later for a coupon of a series), ending at the end of the last
/// day in the tenant's zone.
public enum CouponValidity: Sendable, Hashable {
    case window(from: Date, until: Date)
    case days(Int64)
}

/// The rules of a coupon template that checkout and issuing need.
public struct CouponTemplate: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var currency: Currency
    public var benefit: CouponBenefit
    /// Eligible lines (after the tier discount) must come to at least this, in minor units.
    public var minimumSpend: Int64
    public var eligibility: CouponEligibility
    public var validity: CouponValidity
    /// Coupons of this template one member may hold in total (issued, in any state but voided).
    public var perMemberLimit: Int64?
    /// Coupons left to issue; `nil`: unlimited.
    public var stock: Int64?
    /// May be used together with other coupons (that also stack).
    public var stacksWithCoupons: Bool
    /// May be used in an order that also pays with points.
    public var stacksWithPoints: Bool

    public init(
        id: UUID,
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
        self.id = id
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
}

/// A coupon's life: issued → reserved (an order names it) → redeemed (the order is paid); or
/// expired / voided. A reserved coupon whose order is cancelled goes back to issued (or voided).
public enum CouponState: String, Sendable, Hashable, Codable, CaseIterable {
    case issued, reserved, redeemed, expired, voided
}

/// A member's coupon as checkout sees it.
public struct CouponCandidate: Sendable, Hashable {
    public var code: String
    public var template: CouponTemplate
    public var state: CouponState
    public var validFrom: Date
    public var validUntil: Date

    public init(code: String, template: CouponTemplate, state: CouponState, validFrom: Date, validUntil: Date) {
        self.code = code
        self.template = template
        self.state = state
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

// The wire and the table hold a benefit and a validity as separate nullable columns.
extension CouponBenefit {
    /// `amount_off`'s amount.
    public var amount: Int64? { if case .amountOff(let amount) = self { amount } else { nil } }
    /// `percent_off`'s percent.
    public var percent: Int64? { if case .percentOff(let percent) = self { percent } else { nil } }
    /// `gift`'s SKU.
    public var giftSKU: String? { if case .gift(let sku) = self { sku } else { nil } }
}

extension CouponValidity {
    /// A fixed window's start.
    public var from: Date? { if case .window(let from, _) = self { from } else { nil } }
    /// A fixed window's end.
    public var until: Date? { if case .window(_, let until) = self { until } else { nil } }
    /// Days from the issue.
    public var days: Int64? { if case .days(let days) = self { days } else { nil } }
}
