import Foundation
import JifenCore
import JifenPostgres

extension Components.Schemas.CouponTemplate {
    init(_ record: CouponTemplateRecord) {
        let template = record.template
        self.init(
            id: template.id.uuidString.lowercased(),
            name: template.name,
            currency: template.currency.code,
            kind: .init(template.benefit),
            amount: template.benefit.amount,
            percent: template.benefit.percent,
            giftSku: template.benefit.giftSKU,
            minimumSpend: template.minimumSpend,
            eligibility: .init(
                categories: template.eligibility.categories,
                skus: template.eligibility.skus,
                excludedCategories: template.eligibility.excludedCategories,
                excludedSkus: template.eligibility.excludedSkus
            ),
            validFrom: template.validity.from,
            validUntil: template.validity.until,
            validDays: template.validity.days,
            perMemberLimit: template.perMemberLimit,
            stock: template.stock,
            stacksWithCoupons: template.stacksWithCoupons,
            stacksWithPoints: template.stacksWithPoints,
            issued: record.issued,
            enabled: record.enabled,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt
        )
    }
}

extension Components.Schemas.CouponKind {
    init(_ benefit: CouponBenefit) {
        switch benefit {
        case .amountOff: self = .amountOff
        case .percentOff: self = .percentOff
        case .freeShipping: self = .freeShipping
        case .gift: self = .gift
        }
    }
}

extension Components.Schemas.CouponState {
    init(_ state: CouponState) {
        switch state {
        case .issued: self = .issued
        case .reserved: self = .reserved
        case .redeemed: self = .redeemed
        case .expired: self = .expired
        case .voided: self = .voided
        }
    }
}

extension Components.Schemas.Coupon {
    init(_ coupon: Coupon) {
        self.init(
            id: coupon.id.uuidString.lowercased(),
            code: coupon.code,
            member: coupon.member.rawValue,
            template: coupon.template.id.uuidString.lowercased(),
            templateName: coupon.template.name,
            kind: .init(coupon.template.benefit),
            externalId: coupon.externalID,
            source: .init(coupon.source),
            state: .init(coupon.state),
            validFrom: coupon.validFrom,
            validUntil: coupon.validUntil,
            order: coupon.order,
            reservedAt: coupon.reservedAt,
            redeemedAt: coupon.redeemedAt,
            expiredAt: coupon.expiredAt,
            voidedAt: coupon.voidedAt,
            createdAt: coupon.createdAt
        )
    }
}

extension Components.Schemas.Coupon.SourcePayload {
    init(_ source: CouponSource) {
        switch source {
        case .api: self = .api
        case .reward: self = .reward
        case .campaign: self = .campaign
        case .welcome: self = .welcome
        case .journey: self = .journey
        }
    }
}

extension Components.Schemas.CheckoutQuote {
    init(_ quote: CheckoutQuote, member: ExternalID, tier: String?) {
        self.init(
            member: member.rawValue,
            currency: quote.currency.code,
            tier: tier,
            lines: quote.lines.map {
                .init(
                    sku: $0.line.sku,
                    category: $0.line.category,
                    quantity: $0.line.quantity,
                    unitAmount: $0.line.unitAmount,
                    subtotal: $0.subtotal,
                    tierDiscount: $0.tierDiscount,
                    couponDiscount: $0.couponDiscount,
                    total: $0.total
                )
            },
            coupons: quote.coupons.map {
                .init(
                    code: $0.code,
                    template: $0.templateID?.uuidString.lowercased(),
                    applied: $0.refusal == nil,
                    reason: $0.refusal.flatMap { .init(rawValue: $0.rawValue) },
                    discount: $0.discount,
                    giftSku: $0.giftSKU
                )
            },
            subtotal: quote.subtotal,
            tierDiscount: quote.tierDiscount,
            couponDiscount: quote.couponDiscount,
            shipping: quote.shipping,
            shippingDiscount: quote.shippingDiscount,
            points: .init(
                requested: quote.points.requested,
                maxRedeemable: quote.points.maxRedeemable,
                applied: quote.points.applied,
                value: quote.points.value,
                reason: quote.points.reason
            ),
            amountDue: quote.amountDue,
            pointsEarned: quote.pointsEarned,
            selectedAutomatically: quote.selectedAutomatically
        )
    }
}
