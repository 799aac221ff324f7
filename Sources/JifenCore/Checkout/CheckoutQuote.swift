import Foundation

/// What a member's checkout asks: this cart, these coupons (or the best of theirs), these points.
public struct CheckoutRequest: Sendable, Hashable {
    public var currency: Currency
    public var lines: [OrderLine]
    /// Shipping in minor units, before any free-shipping benefit.
    public var shipping: Int64
    /// Codes the member chose, in order; `nil`: pick the best combination of `available`.
    public var couponCodes: [String]?
    /// Points the member wants to pay with; `nil`: none. Capped by the redemption rules.
    public var points: Int64?

    public init(
        currency: Currency,
        lines: [OrderLine],
        shipping: Int64 = 0,
        couponCodes: [String]? = nil,
        points: Int64? = nil
    ) {
        self.currency = currency
        self.lines = lines
        self.shipping = shipping
        self.couponCodes = couponCodes
        self.points = points
    }
}

/// What the quote knows about the member and the program.
public struct CheckoutContext: Sendable, Hashable {
    public var now: Date
    /// The member's tier level's benefits (0 / false without tiers).
    public var tierDiscountPercent: Int64
    public var tierFreeShipping: Bool
    /// The member's coupons (any state): named codes are looked up here, and the best
    /// combination is chosen from the usable ones.
    public var coupons: [CouponCandidate]
    /// Points the member can spend now.
    public var availablePoints: Int64
    public var redemption: RedemptionRules
    public var earning: EarningRules
    public var earningContext: EarningContext
    /// The program's currency, if it has one: points pay and earn only in it.
    public var programCurrency: Currency?

    public init(
        now: Date,
        tierDiscountPercent: Int64 = 0,
        tierFreeShipping: Bool = false,
        coupons: [CouponCandidate] = [],
        availablePoints: Int64 = 0,
        redemption: RedemptionRules = RedemptionRules(),
        earning: EarningRules = EarningRules(),
        earningContext: EarningContext = EarningContext(),
        programCurrency: Currency? = nil
    ) {
        self.now = now
        self.tierDiscountPercent = tierDiscountPercent
        self.tierFreeShipping = tierFreeShipping
        self.coupons = coupons
        self.availablePoints = availablePoints
        self.redemption = redemption
        self.earning = earning
        self.earningContext = earningContext
        self.programCurrency = programCurrency
    }
}

/// Why a coupon does not apply to this cart.
public enum CouponRefusal: String, Sendable, Hashable, Codable, CaseIterable {
    case unknownCode = "unknown_code"
    case duplicate
    case notYetValid = "not_yet_valid"
    case expired
    case alreadyUsed = "already_used"
    case voided
    case currencyMismatch = "currency_mismatch"
    case notEligible = "not_eligible"
    case belowMinimumSpend = "below_minimum_spend"
    case notStackable = "not_stackable"
}

/// One cart line priced.
public struct QuotedLine: Sendable, Hashable {
    public var line: OrderLine
    /// quantity × unit_amount.
    public var subtotal: Int64
    public var tierDiscount: Int64
    public var couponDiscount: Int64
    /// subtotal − tierDiscount − couponDiscount.
    public var total: Int64

    public init(line: OrderLine, subtotal: Int64, tierDiscount: Int64, couponDiscount: Int64, total: Int64) {
        self.line = line
        self.subtotal = subtotal
        self.tierDiscount = tierDiscount
        self.couponDiscount = couponDiscount
        self.total = total
    }
}

public struct QuotedCoupon: Sendable, Hashable {
    public var code: String
    public var templateID: UUID?
    /// `nil`: applied.
    public var refusal: CouponRefusal?
    /// Saved on lines (amount_off, percent_off) or shipping (free_shipping), minor units.
    public var discount: Int64
    /// The gift's SKU, for an applied gift coupon.
    public var giftSKU: String?

    public init(code: String, templateID: UUID?, refusal: CouponRefusal?, discount: Int64 = 0, giftSKU: String? = nil) {
        self.code = code
        self.templateID = templateID
        self.refusal = refusal
        self.discount = discount
        self.giftSKU = giftSKU
    }
}

public struct QuotedPoints: Sendable, Hashable {
    /// Points asked for (0 if none).
    public var requested: Int64
    /// The most the rules allow on this cart (minimum, share of the order, balance, coupons
    /// that do not stack with points).
    public var maxRedeemable: Int64
    /// min(requested, maxRedeemable), or 0 below the minimum.
    public var applied: Int64
    /// What `applied` is worth, minor units.
    public var value: Int64
    /// Why fewer than requested apply.
    public var reason: String?

    public init(requested: Int64, maxRedeemable: Int64, applied: Int64, value: Int64, reason: String? = nil) {
        self.requested = requested
        self.maxRedeemable = maxRedeemable
        self.applied = applied
        self.value = value
        self.reason = reason
    }
}

/// The answer: prices, coupons, points, what is due and what the order will earn.
public struct CheckoutQuote: Sendable, Hashable {
    public var currency: Currency
    public var lines: [QuotedLine]
    public var coupons: [QuotedCoupon]
    public var subtotal: Int64
    public var tierDiscount: Int64
    public var couponDiscount: Int64
    public var shipping: Int64
    public var shippingDiscount: Int64
    public var points: QuotedPoints
    /// subtotal − discounts + shipping − shipping discount − points value.
    public var amountDue: Int64
    /// What the order will earn if paid as quoted (before daily caps not known here).
    public var pointsEarned: Int64
    public var selectedAutomatically: Bool

    public init(
        currency: Currency,
        lines: [QuotedLine],
        coupons: [QuotedCoupon],
        subtotal: Int64,
        tierDiscount: Int64,
        couponDiscount: Int64,
        shipping: Int64,
        shippingDiscount: Int64,
        points: QuotedPoints,
        amountDue: Int64,
        pointsEarned: Int64,
        selectedAutomatically: Bool
    ) {
        self.currency = currency
        self.lines = lines
        self.coupons = coupons
        self.subtotal = subtotal
        self.tierDiscount = tierDiscount
        self.couponDiscount = couponDiscount
        self.shipping = shipping
        self.shippingDiscount = shippingDiscount
        self.points = points
        self.amountDue = amountDue
        self.pointsEarned = pointsEarned
        self.selectedAutomatically = selectedAutomatically
    }
}
