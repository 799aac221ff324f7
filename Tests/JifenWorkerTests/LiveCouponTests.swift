import Foundation
import JifenClient
import JifenTestSupport
import OpenAPIRuntime
import Testing

/// A shop's checkout through the generated client against a real `jifen serve` and `jifen work`:
/// a welcome pack, the best combination of coupons in a quote, twenty checkouts racing for the
/// same coupons (one order recorded), and the worker awarding exactly the quoted points.
@Suite struct LiveCouponTests {
    @Test(.timeLimit(.minutes(3)))
    func aCheckoutWithCouponsAgainstLiveProcesses() async throws {
        try await LiveStack.run { try await run($0) }
    }

    func run(_ stack: LiveStack) async throws {
        try await stack.startAPI()
        let created = try await stack.operatorClient().createTenant(body: .json(.init(name: "Live Coupons")))
            .created.body.json
        let worker = try stack.startWorker(tenants: [created.tenant.id])
        let shop = stack.tenantClient(created.apiKey.secret)

        let card = try await shop.createCouponTemplate(
            body: .json(
                .init(name: "包邮卡", currency: "CNY", kind: .freeShipping, validDays: 90, stacksWithCoupons: true)
            )
        ).created.body.json
        let fifty = try await shop.createCouponTemplate(
            body: .json(
                .init(
                    name: "50 off 200",
                    currency: "CNY",
                    kind: .amountOff,
                    amount: 5_000,
                    minimumSpend: 20_000,
                    validDays: 30,
                    stacksWithCoupons: true
                )
            )
        ).created.body.json
        _ = try await shop.replaceProgram(
            body: .json(
                .init(
                    tiers: .init(levels: [.init(code: "member", threshold: 0, discountPercent: 5)]),
                    coupons: .init(welcome: [.init(templateId: card.id)]),
                    currency: "CNY",
                    earning: .init(excludedCategories: ["shipping"])
                )
            )
        ).ok

        // A new member gets the welcome pack; the shop gives her a 50 off 200 as well.
        _ = try await shop.upsertMember(path: .init(member: "mei"), body: .json(.init())).created
        let welcome = try await shop.listMemberCoupons(path: .init(member: "mei")).ok.body.json.data
        #expect(welcome.map(\.source) == [.welcome])
        let code = try await shop.issueCoupon(path: .init(member: "mei"), body: .json(.init(template: fifty.id)))
            .created.body.json.code

        // The quote picks both (they stack): 5 % off 258.00, 50.00 off, shipping waived.
        let lines = [Components.Schemas.OrderLine(sku: "TEA-1", category: "tea", quantity: 2, unitAmount: 12_900)]
        let quote = try await shop.createCheckoutQuote(
            body: .json(.init(member: "mei", currency: "CNY", lines: lines, shipping: 1_000))
        ).ok.body.json
        #expect(quote.tier == "member" && quote.selectedAutomatically)
        #expect(Set(quote.coupons.map(\.code)) == [code, welcome[0].code])
        #expect(quote.tierDiscount == 1_290 && quote.couponDiscount == 5_000 && quote.shippingDiscount == 1_000)
        #expect(quote.amountDue == 25_800 - 1_290 - 5_000)

        // Twenty checkouts race with the same coupons: one order is recorded.
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<20 {
                group.addTask {
                    let response = try await shop.recordOrder(
                        body: .json(
                            .init(
                                externalId: "checkout-\(n)",
                                member: "mei",
                                currency: "CNY",
                                amount: quote.amountDue,
                                status: .paid,
                                placedAt: Date(),
                                lines: lines,
                                coupons: quote.coupons.map(\.code)
                            )
                        )
                    )
                    switch response {
                    case .created: return "created"
                    case .conflict: return "conflict"
                    default: return "\(response)"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "created" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "conflict" }.count == 19, "\(outcomes)")
        for coupon in quote.coupons {
            let read = try await shop.getCoupon(path: .init(coupon: coupon.code)).ok.body.json
            #expect(read.state == .redeemed && read.order?.hasPrefix("checkout-") == true)
        }

        // The worker scores the paid order: exactly the points the quote said.
        var available: Int64 = 0
        let scored = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            available = try await shop.getMember(path: .init(member: "mei")).ok.body.json.balance.available
            return available > 0
        }
        try #require(scored, "the order was never scored: \(worker.log)")
        #expect(available == quote.pointsEarned)
        #expect(quote.pointsEarned == (25_800 - 1_290 - 5_000) / 100)
    }
}
