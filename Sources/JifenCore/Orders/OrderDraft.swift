import Foundation

/// An order as a shop reports it, validated: what the API hands to the store.
public struct OrderDraft: Sendable, Hashable {
    public static let maxLines = 1000

    public var externalID: ExternalID
    public var member: ExternalID
    public var amount: Money
    public var status: OrderStatus
    public var placedAt: Date
    public var paidAt: Date?
    public var lines: [OrderLine]
    /// The shop sent no `lines` at all: an update then keeps the stored ones (a status update
    /// need not repeat them), where an empty list would clear them.
    public var linesOmitted: Bool
    /// Coupon codes the order uses, canonical (`CouponCode.normalise`): reserved when the order
    /// is recorded, redeemed when it is paid.
    public var coupons: [String]
    /// The points hold that paid part of it: captured when it is paid.
    public var redemption: UUID?
    /// The wallet hold that paid part of it: captured when it is paid.
    public var walletHold: UUID?

    /// The most coupons one order may name.
    public static let maxCoupons = 10

    public init(
        externalID: ExternalID,
        member: ExternalID,
        amount: Money,
        status: OrderStatus,
        placedAt: Date,
        paidAt: Date? = nil,
        lines: [OrderLine] = [],
        linesOmitted: Bool = false,
        coupons: [String] = [],
        redemption: UUID? = nil,
        walletHold: UUID? = nil
    ) {
        self.externalID = externalID
        self.member = member
        self.amount = amount
        self.status = status
        self.placedAt = placedAt
        self.paidAt = paidAt
        self.lines = lines
        self.linesOmitted = linesOmitted
        self.coupons = coupons
        self.redemption = redemption
        self.walletHold = walletHold
    }

    /// Validates raw request fields, naming every invalid one at once.
    public static func validate(
        externalID: String,
        member: String,
        currency: String,
        amount: Int64,
        status: OrderStatus,
        placedAt: Date,
        paidAt: Date?,
        lines given: [OrderLine]?,
        coupons codes: [String]? = nil,
        redemption: UUID? = nil,
        walletHold: UUID? = nil
    ) throws(JifenError) -> OrderDraft {
        let lines = given ?? []
        var validator = Validator()
        let externalID = validator.check { () throws(JifenError) in try ExternalID(externalID, field: "external_id") }
        let member = validator.check { () throws(JifenError) in try ExternalID(member, field: "member") }
        let currency = validator.check { () throws(JifenError) in try Currency(currency) }
        var money: Money?
        if let currency {
            money = validator.check { () throws(JifenError) in try Money(minorUnits: amount, currency: currency) }
        } else if amount < 0 {
            validator.fail("amount", "must be zero or more")
        }
        if lines.count > maxLines { validator.fail("lines", "must have at most \(maxLines) lines") }
        for (index, line) in lines.enumerated() { line.validate("lines[\(index)]", into: &validator) }
        if let paidAt, paidAt < placedAt { validator.fail("paid_at", "must not be before placed_at") }
        var coupons: [String] = []
        if (codes?.count ?? 0) > maxCoupons { validator.fail("coupons", "must have at most \(maxCoupons) codes") }
        for (index, text) in (codes ?? []).enumerated() {
            guard let code = CouponCode.normalise(text) else {
                validator.fail("coupons[\(index)]", "is not a coupon code (XXXX-XXXX-XXXX)")
                continue
            }
            if coupons.contains(code) { validator.fail("coupons[\(index)]", "is named twice") }
            coupons.append(code)
        }
        try validator.finish()
        guard let externalID, let member, let money else {
            // `finish` threw if any of them failed; this keeps the compiler honest without `!`.
            throw JifenError(.internalError, "validation lost a field")
        }
        return OrderDraft(
            externalID: externalID,
            member: member,
            amount: money,
            status: status,
            placedAt: placedAt,
            paidAt: paidAt,
            lines: lines,
            linesOmitted: given == nil,
            coupons: coupons,
            redemption: redemption,
            walletHold: walletHold
        )
    }
}
