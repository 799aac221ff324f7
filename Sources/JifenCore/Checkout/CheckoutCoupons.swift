import Foundation

/// A member's coupon that passed every check not depending on the other coupons of the order.
struct UsableCoupon: Sendable {
    var candidate: CouponCandidate
    /// The lines it applies to, by index in the cart.
    var eligible: [Int]

    var template: CouponTemplate { candidate.template }
}

/// The coupons of a quote: every one named (applied or refused, in the member's order) or, when
/// none were named, the best combination; `applied` are the ones that apply, each with its index
/// in `quoted`.
struct CouponSelection: Sendable {
    var quoted: [QuotedCoupon]
    var applied: [(quoted: Int, coupon: UsableCoupon)]
}

/// What applying a set of coupons to the cart did.
struct CouponApplication: Sendable {
    var pricing: CheckoutPricing
    /// Per coupon, in the order given: what it saved on lines or shipping.
    var discounts: [Int128]
    /// Shipping waived by a free_shipping coupon.
    var shippingDiscount: Int128

    var saving: Int128 { discounts.reduce(Int128(0), +) }

    /// Applies `coupons` to `pricing` (tier discount already taken): percent_off first, each on
    /// what its lines still cost, then amount_off, then free_shipping; gifts save nothing. Within
    /// a kind, in the order given.
    init(_ coupons: [UsableCoupon], to pricing: CheckoutPricing, shipping: Int128) {
        self.pricing = pricing
        discounts = Array(repeating: 0, count: coupons.count)
        shippingDiscount = 0
        for (index, coupon) in coupons.enumerated() {
            if case .percentOff(let percent) = coupon.template.benefit {
                discounts[index] = self.pricing.takePercent(percent, on: coupon.eligible)
            }
        }
        for (index, coupon) in coupons.enumerated() {
            if case .amountOff(let amount) = coupon.template.benefit {
                discounts[index] = self.pricing.takeAmount(amount, on: coupon.eligible)
            }
        }
        for (index, coupon) in coupons.enumerated() where coupon.template.benefit == .freeShipping {
            // Selection lets at most one free_shipping coupon through; should two come, the
            // second waives what is left: nothing.
            discounts[index] = shipping - shippingDiscount
            shippingDiscount = shipping
        }
    }
}

/// Checks coupons against one cart. `pricing` is the cart after the tier discount, which is
/// what minimum spends are measured on.
struct CouponChecker: Sendable {
    /// At most this many usable coupons are weighed for the best combination (the ones
    /// expiring first), so a member holding thousands costs no more than one holding a hundred.
    static let maxCandidates = 100

    var request: CheckoutRequest
    var context: CheckoutContext
    var pricing: CheckoutPricing
    var shipping: Int128

    enum Outcome {
        case usable(UsableCoupon)
        case refused(CouponRefusal)
    }

    /// The checks that depend on the coupon alone, in the documented order (after
    /// unknown_code and duplicate, which depend on how it was named).
    func check(_ candidate: CouponCandidate) -> Outcome {
        switch candidate.state {
        case .voided: return .refused(.voided)
        case .reserved, .redeemed: return .refused(.alreadyUsed)
        case .expired: return .refused(.expired)
        case .issued: break
        }
        if context.now >= candidate.validUntil { return .refused(.expired) }
        if context.now < candidate.validFrom { return .refused(.notYetValid) }
        let template = candidate.template
        if template.currency != request.currency { return .refused(.currencyMismatch) }
        let eligible = pricing.lines.indices.filter { template.eligibility.includes(pricing.lines[$0]) }
        if eligible.isEmpty { return .refused(.notEligible) }
        // Free shipping that would save nothing is not used up on this order.
        if template.benefit == .freeShipping && (shipping == 0 || context.tierFreeShipping) {
            return .refused(.notEligible)
        }
        if pricing.total(of: eligible) < Int128(template.minimumSpend) { return .refused(.belowMinimumSpend) }
        return .usable(UsableCoupon(candidate: candidate, eligible: eligible))
    }

    /// The checks that depend on the coupons already applied, in the order named: a second
    /// free_shipping would save nothing (not_eligible); a coupon joins the applied ones only if
    /// it and every one of them stack with coupons (not_stackable).
    static func refusal(of coupon: UsableCoupon, after applied: [UsableCoupon]) -> CouponRefusal? {
        if coupon.template.benefit == .freeShipping && applied.contains(where: { $0.template.benefit == .freeShipping })
        {
            return .notEligible
        }
        if !applied.isEmpty
            && !(coupon.template.stacksWithCoupons && applied.allSatisfy(\.template.stacksWithCoupons))
        {
            return .notStackable
        }
        return nil
    }

    /// The coupons the member named, each applied or refused, in the order named.
    func named(_ codes: [String]) -> CouponSelection {
        var byKey: [String: CouponCandidate] = [:]
        for candidate in context.coupons {
            byKey[CouponCode.key(candidate.code)] = byKey[CouponCode.key(candidate.code)] ?? candidate
        }
        var selection = CouponSelection(quoted: [], applied: [])
        var seen = Set<String>()
        for code in codes {
            let key = CouponCode.key(code)
            guard let candidate = byKey[key] else {
                selection.quoted.append(QuotedCoupon(code: code, templateID: nil, refusal: .unknownCode))
                continue
            }
            var quoted = QuotedCoupon(code: candidate.code, templateID: candidate.template.id, refusal: nil)
            if !seen.insert(key).inserted {
                quoted.refusal = .duplicate
            } else {
                switch check(candidate) {
                case .refused(let refusal):
                    quoted.refusal = refusal
                case .usable(let coupon):
                    quoted.refusal = Self.refusal(of: coupon, after: selection.applied.map(\.coupon))
                    if quoted.refusal == nil {
                        selection.applied.append((selection.quoted.count, coupon))
                        if case .gift(let sku) = coupon.template.benefit { quoted.giftSKU = sku }
                    }
                }
            }
            selection.quoted.append(quoted)
        }
        return selection
    }

    /// The member's usable coupons that save money, first expiring first, at most
    /// ``maxCandidates``. Gifts are left out: they save nothing, and whether the member wants
    /// the item is theirs to say by naming the code.
    func usableCandidates() -> [UsableCoupon] {
        let ordered = context.coupons.enumerated().sorted { a, b in
            a.element.validUntil != b.element.validUntil
                ? a.element.validUntil < b.element.validUntil : a.offset < b.offset
        }.map(\.element)
        var usable: [UsableCoupon] = []
        var seen = Set<String>()
        for candidate in ordered where usable.count < Self.maxCandidates {
            if case .gift = candidate.template.benefit { continue }
            guard seen.insert(CouponCode.key(candidate.code)).inserted else { continue }
            if case .usable(let coupon) = check(candidate) { usable.append(coupon) }
        }
        return usable
    }

    /// The combination saving the member the most: each usable coupon alone, and all the
    /// stackable ones together. Ties go to fewer coupons, then to the one whose earliest
    /// expiry is soonest (so expiring coupons are used up first), then to code order. A
    /// combination that saves nothing is not chosen: no coupon is spent for nothing.
    func best() -> CouponSelection {
        let usable = usableCandidates()
        var options = usable.map { [$0] }
        var stackable: [UsableCoupon] = []
        for coupon in usable where coupon.template.stacksWithCoupons {
            if Self.refusal(of: coupon, after: stackable) == nil { stackable.append(coupon) }
        }
        if stackable.count > 1 { options.append(stackable) }

        struct Scored {
            var coupons: [UsableCoupon]
            var saving: Int128
            var earliest: Date
            var keys: [String]

            func isBetter(than other: Scored) -> Bool {
                if saving != other.saving { return saving > other.saving }
                if coupons.count != other.coupons.count { return coupons.count < other.coupons.count }
                if earliest != other.earliest { return earliest < other.earliest }
                return keys.lexicographicallyPrecedes(other.keys)
            }
        }
        var chosen: Scored?
        for option in options {
            let application = CouponApplication(option, to: pricing, shipping: shipping)
            let scored = Scored(
                coupons: option,
                saving: application.saving,
                earliest: option.map(\.candidate.validUntil).min() ?? .distantFuture,
                keys: option.map { CouponCode.key($0.candidate.code) }.sorted()
            )
            if scored.saving > 0, chosen.map({ scored.isBetter(than: $0) }) ?? true { chosen = scored }
        }
        let coupons = chosen?.coupons ?? []
        return CouponSelection(
            quoted: coupons.map { QuotedCoupon(code: $0.candidate.code, templateID: $0.template.id, refusal: nil) },
            applied: coupons.enumerated().map { ($0.offset, $0.element) }
        )
    }
}
