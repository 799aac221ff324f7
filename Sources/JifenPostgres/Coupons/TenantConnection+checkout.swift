import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Prices a cart for a member (``CheckoutQuote/compute(_:_:)``) from what the store knows: the
    /// member's tier, coupons and points, the program, the multiplier campaigns running now.
    /// Writes nothing. A member Jifen has not seen yet is quoted as a new one (base tier, no
    /// coupons, no points). Also returns the code of the member's tier level, with tiers.
    public func checkoutQuote(member externalID: ExternalID, _ request: CheckoutRequest, now: Date = Date())
        async throws -> (quote: CheckoutQuote, tier: String?)
    {
        let program = try await program()
        let member = try await member(externalID)
        var context = CheckoutContext(
            now: now,
            redemption: program.redemption,
            earning: program.earning,
            programCurrency: program.currency
        )
        context.earningContext.isFirstOrder = (member?.stats.orderCount ?? 0) == 0
        var tier: String?
        if let tiers = program.tiers {
            let level = tiers.level(code: member?.tier.code)
            tier = level.code
            context.tierDiscountPercent = level.discountPercent
            context.tierFreeShipping = level.freeShipping
            context.earningContext.tierMultiplierPercent = level.earnMultiplierPercent
        }
        let campaigns = try await query(
            """
            SELECT multiplier_percent, coalesce(category, '') FROM campaigns
            WHERE tenant_id = \(tenant.rawValue) AND kind = 'multiplier' AND starts_at <= \(now) AND \(now) < ends_at
            """
        )
        for try await (percent, category) in campaigns.decode((Int64, String).self) {
            context.earningContext.campaigns.append(
                CampaignMultiplier(percent: percent, category: category.isEmpty ? nil : category)
            )
        }
        guard let member else { return (CheckoutQuote.compute(request, context), tier) }
        context.availablePoints = member.balance.available
        if let codes = request.couponCodes {
            // Only the member's own coupons: another member's code is as unknown as a made-up one.
            for code in codes {
                if let coupon = try await coupon(code: code), coupon.member == member.externalID {
                    context.coupons.append(coupon.candidate)
                }
            }
        } else {
            context.coupons = try await usableCoupons(member: member.id).map(\.candidate)
        }
        return (CheckoutQuote.compute(request, context), tier)
    }
}
