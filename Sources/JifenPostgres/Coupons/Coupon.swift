import Foundation
import JifenCore

/// A coupon template as stored: its rules and how many coupons it has issued.
public struct CouponTemplateRecord: Sendable, Hashable {
    public var template: CouponTemplate
    public var issued: Int64
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: template.id) }
}

/// Where a coupon came from.
public enum CouponSource: String, Sendable, Hashable {
    case api, reward, campaign, welcome, journey
}

/// A member's coupon as stored.
public struct Coupon: Sendable, Hashable {
    public var id: UUID
    public var code: String
    public var template: CouponTemplate
    public var member: ExternalID
    public var externalID: String?
    public var source: CouponSource
    public var sourceRef: String?
    public var state: CouponState
    public var validFrom: Date
    public var validUntil: Date
    /// The order that reserved or redeemed it.
    public var order: String?
    public var reservedAt: Date?
    public var redeemedAt: Date?
    public var expiredAt: Date?
    public var voidedAt: Date?
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }

    /// As checkout sees it.
    public var candidate: CouponCandidate {
        CouponCandidate(code: code, template: template, state: state, validFrom: validFrom, validUntil: validUntil)
    }

    func event(_ kind: CouponEvent.Kind) -> CouponEvent {
        CouponEvent(
            kind,
            coupon: id.uuidString.lowercased(),
            code: code,
            template: template.id.uuidString.lowercased(),
            templateName: template.name,
            benefit: template.benefit.kind,
            validFrom: validFrom,
            validUntil: validUntil,
            source: source.rawValue,
            order: kind == .redeemed ? order : nil
        )
    }
}

/// Asking for a coupon: which template, for whom, and what makes the request idempotent.
public struct CouponIssue: Sendable, Hashable {
    public var template: UUID
    /// `api:<shop id>`, `reward:<claim>:<n>`, …: a second issue with the same key returns the
    /// first coupon.
    public var key: String
    public var externalID: ExternalID?
    public var source: CouponSource
    public var sourceRef: String?
    /// The coupon becomes valid this many months after the issue (a series: one a month).
    public var startingAfterMonths: Int

    public init(
        template: UUID,
        key: String,
        externalID: ExternalID? = nil,
        source: CouponSource,
        sourceRef: String? = nil,
        startingAfterMonths: Int = 0
    ) {
        self.template = template
        self.key = key
        self.externalID = externalID
        self.source = source
        self.sourceRef = sourceRef
        self.startingAfterMonths = startingAfterMonths
    }
}
