import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createCouponTemplate(_ input: Operations.CreateCouponTemplate.Input) async throws
        -> Operations.CreateCouponTemplate.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try CouponTemplateDraft.validate(
            name: body.name,
            currency: body.currency,
            kind: body.kind.rawValue,
            amount: body.amount,
            percent: body.percent,
            giftSKU: body.giftSku,
            minimumSpend: body.minimumSpend,
            eligibility: body.eligibility.map {
                CouponEligibility(
                    categories: $0.categories ?? [],
                    skus: $0.skus ?? [],
                    excludedCategories: $0.excludedCategories ?? [],
                    excludedSkus: $0.excludedSkus ?? []
                )
            },
            validFrom: body.validFrom,
            validUntil: body.validUntil,
            validDays: body.validDays,
            perMemberLimit: body.perMemberLimit,
            stock: body.stock,
            stacksWithCoupons: body.stacksWithCoupons,
            stacksWithPoints: body.stacksWithPoints
        )
        let template = try await withTenant { connection in
            let template = try await connection.createCouponTemplate(draft)
            try await connection.recordAudit(
                .couponTemplateCreated,
                target: template.template.id.uuidString.lowercased(),
                after: Components.Schemas.CouponTemplate(template)
            )
            return template
        }
        logger.info("coupon template created", metadata: ["template": "\(template.template.id)"])
        return .created(.init(body: .json(.init(template))))
    }

    public func listCouponTemplates(_ input: Operations.ListCouponTemplates.Input) async throws
        -> Operations.ListCouponTemplates.Output
    {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { try await $0.couponTemplates(limit: limit, after: cursor) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.CouponTemplate.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func getCouponTemplate(_ input: Operations.GetCouponTemplate.Input) async throws
        -> Operations.GetCouponTemplate.Output
    {
        let id = try Self.lookupUUID(input.path.template, kind: "coupon template")
        guard let template = try await withTenant({ try await $0.couponTemplate(id) }) else {
            throw JifenError.notFound("no coupon template '\(input.path.template)'")
        }
        return .ok(.init(body: .json(.init(template))))
    }

    public func updateCouponTemplate(_ input: Operations.UpdateCouponTemplate.Input) async throws
        -> Operations.UpdateCouponTemplate.Output
    {
        let id = try Self.lookupUUID(input.path.template, kind: "coupon template")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        if body.stock != nil && body.unlimitedStock == true {
            throw JifenError.invalid("unlimited_stock", "cannot be given with stock")
        }
        let updated = try await withTenant { connection -> CouponTemplateRecord? in
            guard let old = try await connection.couponTemplate(id),
                let updated = try await connection.updateCouponTemplate(
                    id,
                    enabled: body.enabled,
                    stock: body.stock,
                    unlimited: body.unlimitedStock == true
                )
            else { return nil }
            try await connection.recordAudit(
                .couponTemplateUpdated,
                target: id.uuidString.lowercased(),
                before: Components.Schemas.CouponTemplate(old),
                after: Components.Schemas.CouponTemplate(updated)
            )
            return updated
        }
        guard let updated else { throw JifenError.notFound("no coupon template '\(input.path.template)'") }
        return .ok(.init(body: .json(.init(updated))))
    }

    public func issueCoupon(_ input: Operations.IssueCoupon.Input) async throws -> Operations.IssueCoupon.Output {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let template = try Self.bodyUUID(body.template, field: "template")
        let shopID = try body.externalId.map { text throws(JifenError) in try ExternalID(text, field: "external_id") }
        let (coupon, created) = try await withTenant {
            try await $0.issueCoupon(member: member, template: template, shopID: shopID)
        }
        guard created else { return .ok(.init(body: .json(.init(coupon)))) }
        logger.info("coupon issued", metadata: ["coupon": "\(coupon.id)", "template": "\(template)"])
        return .created(.init(body: .json(.init(coupon))))
    }

    public func listMemberCoupons(_ input: Operations.ListMemberCoupons.Input) async throws
        -> Operations.ListMemberCoupons.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let state = input.query.state.flatMap { CouponState(rawValue: $0.rawValue) }
        let page = try await withTenant { connection -> Page<Coupon>? in
            guard try await connection.member(member) != nil else { return nil }
            return try await connection.coupons(member: member, state: state, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.Coupon.init), nextCursor: page.nextCursor?.encoded)
                )
            )
        )
    }

    public func getCoupon(_ input: Operations.GetCoupon.Input) async throws -> Operations.GetCoupon.Output {
        let text = input.path.coupon
        let coupon = try await withTenant { connection -> Coupon? in
            if let id = UUID(uuidString: text) { return try await connection.coupon(id: id) }
            return try await connection.coupon(code: text)
        }
        guard let coupon else { throw JifenError.notFound("no coupon '\(text)'") }
        return .ok(.init(body: .json(.init(coupon))))
    }

    public func voidCoupon(_ input: Operations.VoidCoupon.Input) async throws -> Operations.VoidCoupon.Output {
        let id = try Self.lookupUUID(input.path.coupon, kind: "coupon")
        guard let coupon = try await withTenant({ try await $0.voidCoupon(id: id) }) else {
            throw JifenError.notFound("no coupon '\(input.path.coupon)'")
        }
        return .ok(.init(body: .json(.init(coupon))))
    }

    public func createCheckoutQuote(_ input: Operations.CreateCheckoutQuote.Input) async throws
        -> Operations.CreateCheckoutQuote.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let (member, request) = try CheckoutRequest.validate(body)
        let (quote, tier) = try await withTenant { try await $0.checkoutQuote(member: member, request) }
        return .ok(.init(body: .json(.init(quote, member: member, tier: tier))))
    }
}

extension CheckoutRequest {
    /// The request's fields as the core takes them, every invalid one named at once.
    static func validate(_ body: Components.Schemas.CheckoutQuoteInput) throws(JifenError) -> (ExternalID, Self) {
        var v = Validator()
        let member = v.check { () throws(JifenError) in try ExternalID(body.member, field: "member") }
        let currency = v.check { () throws(JifenError) in try Currency(body.currency) }
        let lines = body.lines.map(OrderLine.init)
        if lines.isEmpty || lines.count > OrderDraft.maxLines {
            v.fail("lines", "must have 1 to \(OrderDraft.maxLines) lines")
        }
        for (index, line) in lines.enumerated() { line.validate("lines[\(index)]", into: &v) }
        let shipping = body.shipping ?? 0
        if !(0...Money.maxMinorUnits).contains(shipping) {
            v.fail("shipping", "must be between 0 and \(Money.maxMinorUnits)")
        }
        if let codes = body.coupons, codes.count > OrderDraft.maxCoupons {
            v.fail("coupons", "must have at most \(OrderDraft.maxCoupons) codes")
        }
        if let points = body.points, points < 1 { v.fail("points", "must be at least 1") }
        try v.finish()
        guard let member, let currency else { throw JifenError(.internalError, "validation lost a field") }
        return (
            member,
            CheckoutRequest(
                currency: currency,
                lines: lines,
                shipping: shipping,
                couponCodes: body.coupons,
                points: body.points
            )
        )
    }
}
