import Foundation
import JifenCore
import PostgresNIO

// Coupon templates: what a coupon gives and under which conditions. Issuing, reserving and
// redeeming coupons is in TenantConnection+coupons.swift.
extension TenantConnection {
    static let couponTemplateColumns = """
        t.id, t.name, t.currency, t.kind, t.amount, t.percent, t.gift_sku, t.minimum_spend, t.eligibility::text,
        t.valid_from, t.valid_until, t.valid_days, t.per_member_limit, t.stock, t.stacks_with_coupons,
        t.stacks_with_points, t.issued, t.enabled, t.created_at, t.updated_at,
        (extract(epoch FROM t.created_at) * 1000000)::bigint
        """

    public func createCouponTemplate(_ draft: CouponTemplateDraft) async throws -> CouponTemplateRecord {
        let template = draft.template(id: UUID())
        let (benefit, validity) = (template.benefit, template.validity)
        let eligibility = String(decoding: try JSONEncoder().encode(template.eligibility), as: UTF8.self)
        let rows = try await query(
            """
            INSERT INTO coupon_templates AS t (tenant_id, id, name, currency, kind, amount, percent, gift_sku,
                minimum_spend, eligibility, valid_from, valid_until, valid_days, per_member_limit, stock,
                stacks_with_coupons, stacks_with_points)
            VALUES (\(tenant.rawValue), \(template.id), \(template.name), \(template.currency.code),
                    \(benefit.kind), \(benefit.amount), \(benefit.percent), \(benefit.giftSKU),
                    \(template.minimumSpend), \(eligibility)::jsonb, \(validity.from), \(validity.until),
                    \(validity.days), \(template.perMemberLimit), \(template.stock), \(template.stacksWithCoupons),
                    \(template.stacksWithPoints))
            RETURNING \(unescaped: Self.couponTemplateColumns)
            """
        )
        for try await row in rows { return try Self.couponTemplate(from: row) }
        throw JifenError(.internalError, "coupon template insert returned no row")
    }

    public func couponTemplate(_ id: UUID) async throws -> CouponTemplateRecord? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.couponTemplateColumns) FROM coupon_templates t
            WHERE t.tenant_id = \(tenant.rawValue) AND t.id = \(id)
            """
        )
        for try await row in rows { return try Self.couponTemplate(from: row) }
        return nil
    }

    public func couponTemplates(limit: PageLimit, after cursor: PageCursor?) async throws -> Page<CouponTemplateRecord>
    {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.couponTemplateColumns) FROM coupon_templates t
            WHERE t.tenant_id = \(tenant.rawValue) AND \(after: cursor, on: "t")
            ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit.value + 1)
            """
        )
        var templates: [CouponTemplateRecord] = []
        for try await row in rows { templates.append(try Self.couponTemplate(from: row)) }
        return Page.slicing(templates, limit: limit) { $0.cursor }
    }

    /// Switches a template on or off, or sets the coupons it has left to issue (`stock`;
    /// `unlimited` removes the limit). Coupons already issued keep their terms.
    public func updateCouponTemplate(_ id: UUID, enabled: Bool?, stock: Int64?, unlimited: Bool) async throws
        -> CouponTemplateRecord?
    {
        let rows = try await query(
            """
            UPDATE coupon_templates t SET enabled = coalesce(\(enabled), t.enabled),
                stock = CASE WHEN \(unlimited) THEN NULL ELSE coalesce(\(stock), t.stock) END,
                updated_at = clock_timestamp()
            WHERE t.tenant_id = \(tenant.rawValue) AND t.id = \(id)
            RETURNING \(unescaped: Self.couponTemplateColumns)
            """
        )
        for try await row in rows { return try Self.couponTemplate(from: row) }
        return nil
    }

    /// Reads the columns of ``couponTemplateColumns`` starting at `offset`.
    static func couponTemplate(from row: PostgresRow, offset: Int = 0) throws -> CouponTemplateRecord {
        let c = row.makeRandomAccess()
        let o = offset
        let id = try c.value(o + 0, UUID.self)
        let kind = try c.value(o + 3, String.self)
        let benefit: CouponBenefit
        switch kind {
        case "amount_off": benefit = .amountOff(try c.value(o + 4, Int64.self))
        case "percent_off": benefit = .percentOff(try c.value(o + 5, Int64.self))
        case "free_shipping": benefit = .freeShipping
        case "gift": benefit = .gift(sku: try c.value(o + 6, String.self))
        default: throw JifenError(.internalError, "coupon template \(id) has unknown kind '\(kind)'")
        }
        let validity: CouponValidity
        if let days = try c.value(o + 11, Int64?.self) {
            validity = .days(days)
        } else {
            validity = .window(from: try c.value(o + 9, Date.self), until: try c.value(o + 10, Date.self))
        }
        let template = CouponTemplate(
            id: id,
            name: try c.value(o + 1, String.self),
            currency: try Currency(try c.value(o + 2, String.self)),
            benefit: benefit,
            minimumSpend: try c.value(o + 7, Int64.self),
            eligibility: try JSONDecoder().decode(
                CouponEligibility.self,
                from: Data(try c.value(o + 8, String.self).utf8)
            ),
            validity: validity,
            perMemberLimit: try c.value(o + 12, Int64?.self),
            stock: try c.value(o + 13, Int64?.self),
            stacksWithCoupons: try c.value(o + 14, Bool.self),
            stacksWithPoints: try c.value(o + 15, Bool.self)
        )
        return CouponTemplateRecord(
            template: template,
            issued: try c.value(o + 16, Int64.self),
            enabled: try c.value(o + 17, Bool.self),
            createdAt: try c.value(o + 18, Date.self),
            updatedAt: try c.value(o + 19, Date.self),
            createdAtMicros: try c.value(o + 20, Int64.self)
        )
    }
}
