extension QuotedPoints {
    /// The points side of a quote (rule 6 of ``CheckoutQuote/compute(_:_:)``): what `requested`
    /// points may pay of `merchandise` (the lines after every discount) under the program's
    /// redemption rules, the member's balance and the applied coupons.
    static func compute(
        requested: Int64?,
        merchandise: Int128,
        currency: Currency,
        coupons: [UsableCoupon],
        context: CheckoutContext
    ) -> QuotedPoints {
        let requested = max(requested ?? 0, 0)
        let rules = context.redemption
        let minimum = max(rules.minimumPoints, 1)
        let blocked: Reason? =
            if let program = context.programCurrency, program != currency {
                .currencyMismatch
            } else if coupons.contains(where: { !$0.template.stacksWithPoints }) {
                .notStackable
            } else if rules.points <= 0 || rules.amount <= 0 {
                .noValue
            } else {
                nil
            }
        if let blocked {
            return QuotedPoints(
                requested: requested,
                maxRedeemable: 0,
                applied: 0,
                value: 0,
                reason: requested > 0 ? blocked.rawValue : nil
            )
        }
        // The share cap in money, then the most points whose exact worth fits in it:
        // p × amount / points ≤ cap. Rounding the other way would let value(of:) round a few
        // points down to nothing, points the member would spend for no money off.
        let cap = merchandise * CheckoutPricing.clampedPercent(rules.maxOrderSharePercent) / 100
        let byShare = ProRata.multiplyDivide(cap, Int128(rules.points), Int128(rules.amount))
        let available = Int128(max(context.availablePoints, 0))
        var maxRedeemable = Int64(clamping: min(available, byShare))
        if maxRedeemable < minimum { maxRedeemable = 0 }

        let applied: Int64
        let reason: Reason?
        if requested == 0 {
            (applied, reason) = (0, nil)
        } else if requested < minimum {
            (applied, reason) = (0, .belowMinimum)
        } else {
            applied = min(requested, maxRedeemable)
            // Whichever limit is lower binds; the balance on a tie, since more points would not help.
            reason = applied == requested ? nil : available <= byShare ? .insufficientPoints : .maxOrderShare
        }
        return QuotedPoints(
            requested: requested,
            maxRedeemable: maxRedeemable,
            applied: applied,
            value: rules.value(of: applied),
            reason: reason?.rawValue
        )
    }
}
