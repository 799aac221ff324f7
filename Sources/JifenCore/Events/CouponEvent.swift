import Foundation

/// A coupon changed: issued to a member, redeemed by a paid order, about to expire, expired.
/// One shape for the four types, as the spec gives them one schema.
public struct CouponEvent: MemberStreamEvent, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case issued = "coupon.issued"
        case redeemed = "coupon.redeemed"
        case expiring = "coupon.expiring"
        case expired = "coupon.expired"
    }

    public static let types = Kind.allCases.map(\.rawValue)
    public var type: String { kind.rawValue }

    public var kind: Kind
    public var coupon: String
    public var code: String
    public var template: String
    public var templateName: String
    public var benefit: String
    public var validFrom: String
    public var validUntil: String
    public var source: String
    /// The order that redeemed it (`coupon.redeemed`).
    public var order: String?

    public init(
        _ kind: Kind,
        coupon: String,
        code: String,
        template: String,
        templateName: String,
        benefit: String,
        validFrom: Date,
        validUntil: Date,
        source: String,
        order: String? = nil
    ) {
        self.kind = kind
        self.coupon = coupon
        self.code = code
        self.template = template
        self.templateName = templateName
        self.benefit = benefit
        self.validFrom = EventTime.text(validFrom)
        self.validUntil = EventTime.text(validUntil)
        self.source = source
        self.order = order
    }

    enum CodingKeys: String, CodingKey {
        case coupon, code, template, benefit, source, order
        case templateName = "template_name"
        case validFrom = "valid_from"
        case validUntil = "valid_until"
    }
}
