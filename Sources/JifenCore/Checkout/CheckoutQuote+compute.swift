extension CheckoutQuote {
    /// Prices a member's checkout. Pure: everything it depends on is in its arguments.
    ///
    /// # How a checkout is priced
    ///
    /// Every amount is an integer number of minor units of the order's currency (fen for CNY,
    /// yen for JPY, fils for KWD); nothing is ever a float. Every percentage is rounded down,
    /// once, so the shop never gives more than the percentage it set.
    ///
    /// 1. **Lines.** A line's subtotal is quantity × unit amount.
    ///
    /// 2. **Tier discount.** The member's tier discount applies to every line, without
    ///    exclusions. The order's tier discount is ⌊Σ subtotals × tier % / 100⌋, spread over the
    ///    lines in proportion to their subtotals, each line's share rounded down; **the largest
    ///    line absorbs the remainder** (the first of equal lines; if it is too small to take it
    ///    all, which only happens on a few minor units, the next largest takes the rest). The
    ///    lines' tier discounts add up to the order's exactly.
    ///
    /// 3. **Named coupons.** Each code the member names is looked up among the member's coupons,
    ///    ignoring case, dashes and spaces. The checks, in order; the first that fails is the
    ///    coupon's refusal:
    ///    - `unknown_code`: the member has no such coupon;
    ///    - `duplicate`: the code was already named (the first one counts);
    ///    - `voided`: the shop voided it;
    ///    - `already_used`: another order holds it (reserved) or used it (redeemed);
    ///    - `expired`: expired, or now is at or after its end;
    ///    - `not_yet_valid`: now is before its start;
    ///    - `currency_mismatch`: its template's currency is not the order's;
    ///    - `not_eligible`: no line of the cart matches its eligibility (an inclusion, if it has
    ///      any, and no exclusion) — this holds for every kind, a gift too; or, for free
    ///      shipping, it would save nothing: shipping is 0, the tier already ships free, or an
    ///      earlier coupon already waives it;
    ///    - `below_minimum_spend`: its eligible lines, after the tier discount (and before any
    ///      coupon), come to less than its minimum spend;
    ///    - `not_stackable`: coupons apply in the order named; a coupon joins those already
    ///      applied only if it and every one of them stack with coupons. So the first
    ///      applicable coupon always applies, and a coupon that does not stack makes every
    ///      later one `not_stackable`.
    ///
    /// 4. **Applying coupons.** Whatever order they were named in:
    ///    - `percent_off` first, each ⌊what its eligible lines still cost × percent / 100⌋ —
    ///      percentages compound, so two 10 % coupons take 19 %, never more than the lines cost;
    ///    - then `amount_off`, each at most what its eligible lines still cost;
    ///    - each spread over its eligible lines pro rata to what they still cost, rounded down,
    ///      the largest line absorbing the remainder as in rule 2. A line never goes below 0;
    ///    - then `free_shipping`, which waives the shipping (a tier with free shipping waives it
    ///      without a coupon);
    ///    - a `gift` saves nothing: the quote names its SKU for the shop to add at no charge.
    ///
    /// 5. **Best combination**, when the member names no codes (`couponCodes` is `nil`). The
    ///    candidates are the member's coupons that pass every check of rule 3 on their own
    ///    (issued, valid now, the order's currency, eligible, minimum spend met), the first 100
    ///    to expire. Gift coupons are not chosen automatically: they save no money, and whether
    ///    the member wants the item is theirs to say. Each candidate alone is weighed, and all
    ///    the stackable ones together; the one saving the most (line discounts + shipping
    ///    waived) wins. On a tie: fewer coupons, then the combination whose earliest expiry is
    ///    soonest (expiring coupons are used up first), then code order. A combination that
    ///    saves nothing is never chosen. The quote lists only the chosen coupons, and
    ///    `selectedAutomatically` is `true` (also when none was chosen). Points do not weigh in
    ///    the choice. An empty list of codes means no coupons.
    ///
    /// 6. **Points.** The member asks for `points` (none if absent).
    ///    - Points pay only in the program's currency (when it has one): otherwise none apply
    ///      (`currency_mismatch`). An applied coupon that does not stack with points: none
    ///      (`not_stackable`). Points worth nothing under the redemption rules: none (`no_value`).
    ///    - Points may pay at most ⌊merchandise after every discount × max order share % / 100⌋
    ///      (never shipping). `maxRedeemable` is the most points whose exact worth fits in that
    ///      share, ⌊share × rules.points / rules.amount⌋, and no more than the member has; if
    ///      that is below the minimum redemption, 0.
    ///    - `applied` is the lesser of the request and `maxRedeemable`, or 0 when fewer than the
    ///      minimum are requested (`below_minimum`). When fewer apply than requested, the reason
    ///      names the binding limit: `insufficient_points` (the balance) or `max_order_share`.
    ///    - They are worth ⌊applied × rules.amount / rules.points⌋.
    ///
    /// 7. **Amount due** = merchandise after discounts + shipping − shipping waived − points'
    ///    worth, never below 0.
    ///
    /// 8. **Points earned**: exactly what scoring awards the order this quote describes, recorded
    ///    with `amount` = the amount due and the cart's lines at their listed prices, plus — when
    ///    shipping is charged — a line `{sku: shipping, category: shipping}` at what is charged
    ///    for it (none when it is waived). It is the same computation (``EarningRules/award(for:context:)``): the
    ///    amount paid in money spreads over the lines in proportion to their listed prices, so
    ///    a program that excludes the `shipping` category earns nothing on shipping's share. An
    ///    order in another currency than the program's earns nothing. Daily caps count the
    ///    member's earlier orders of the day as the context gives them.
    ///
    /// The quote never traps, whatever the sizes: products are computed in 128-bit integers,
    /// and amounts beyond what a quote can report (far beyond any valid order) saturate at the
    /// largest `Int64`. Negative quantities, prices or shipping, which the API refuses before
    /// quoting, count as 0.
    public static func compute(_ request: CheckoutRequest, _ context: CheckoutContext) -> CheckoutQuote {
        var pricing = CheckoutPricing(lines: request.lines)
        pricing.takeTierDiscount(percent: context.tierDiscountPercent)
        let shipping = Int128(max(request.shipping, 0))

        let checker = CouponChecker(request: request, context: context, pricing: pricing, shipping: shipping)
        let selection = request.couponCodes.map(checker.named) ?? checker.best()
        let applied = selection.applied.map(\.coupon)
        let application = CouponApplication(applied, to: pricing, shipping: shipping)
        pricing = application.pricing
        var coupons = selection.quoted
        for (position, entry) in selection.applied.enumerated() {
            coupons[entry.quoted].discount = Int64(clamping: application.discounts[position])
        }
        let shippingDiscount = context.tierFreeShipping ? shipping : application.shippingDiscount

        let merchandise = pricing.merchandise
        let points = QuotedPoints.compute(
            requested: request.points,
            merchandise: merchandise,
            currency: request.currency,
            coupons: applied,
            context: context
        )
        let paidInMoney = max(merchandise - Int128(points.value), 0)
        let amountDue = max(paidInMoney + shipping - shippingDiscount, 0)

        var pointsEarned: Int64 = 0
        if context.programCurrency == nil || context.programCurrency == request.currency {
            var lines = request.lines.map { line in
                var line = line
                line.quantity = max(line.quantity, 0)
                line.unitAmount = max(line.unitAmount, 0)
                return line
            }
            let shippingCharged = max(shipping - shippingDiscount, 0)
            if shippingCharged > 0 { lines.append(Self.shippingLine(Int64(clamping: shippingCharged))) }
            let input = EarningInput(
                amount: Int64(clamping: amountDue),
                minorUnitsPerMajor: request.currency.minorUnitsPerMajor,
                lines: lines
            )
            pointsEarned = context.earning.award(for: input, context: context.earningContext).points
        }

        let lines = pricing.lines.indices.map { index in
            QuotedLine(
                line: pricing.lines[index],
                subtotal: Int64(clamping: pricing.subtotals[index]),
                tierDiscount: Int64(clamping: pricing.tierDiscounts[index]),
                couponDiscount: Int64(clamping: pricing.couponDiscounts[index]),
                total: Int64(clamping: pricing.total(index))
            )
        }
        return CheckoutQuote(
            currency: request.currency,
            lines: lines,
            coupons: coupons,
            subtotal: Int64(clamping: pricing.subtotals.reduce(Int128(0), +)),
            tierDiscount: Int64(clamping: pricing.tierDiscounts.reduce(Int128(0), +)),
            couponDiscount: Int64(clamping: pricing.couponDiscounts.reduce(Int128(0), +)),
            shipping: Int64(clamping: shipping),
            shippingDiscount: Int64(clamping: shippingDiscount),
            points: points,
            amountDue: Int64(clamping: amountDue),
            pointsEarned: pointsEarned,
            selectedAutomatically: request.couponCodes == nil
        )
    }

    /// The line an order carries for its shipping, as the quote assumes it (docs/coupons.md).
    public static func shippingLine(_ amount: Int64) -> OrderLine {
        OrderLine(sku: "shipping", category: "shipping", quantity: 1, unitAmount: amount)
    }
}
