import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import Testing

@testable import JifenAPI

/// Coupons end to end through the router and the workers' handlers, against the real
/// PostgreSQL: templates, issuing, the checkout quote, orders that reserve, redeem and return
/// them, campaigns, welcome packs, rewards, and the sweeps.
@Suite struct CouponTests {
    /// Creates a template and returns its id.
    static func template(_ json: String, api: APIClient, key: String) async throws -> String {
        let created = try await api.send(.post, "/v1/coupon-templates", key: key, json: json)
        #expect(created.status == .created, "\(created.text)")
        return try #require(try created.json()["id"] as? String)
    }

    /// Issues a coupon and returns its code.
    static func issue(_ template: String, to member: String, api: APIClient, key: String) async throws -> String {
        let issued = try await api.send(
            .post,
            "/v1/members/\(member)/coupons",
            key: key,
            json: #"{"template":"\#(template)"}"#
        )
        #expect(issued.status == .created, "\(issued.text)")
        return try #require(try issued.json()["code"] as? String)
    }

    static func coupon(_ code: String, api: APIClient, key: String) async throws -> Components.Schemas.Coupon {
        try await api.send(.get, "/v1/coupons/\(code)", key: key).decoded(Components.Schemas.Coupon.self)
    }

    @Test func templatesAreValidatedListedAndSwitchedOff() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let fifty = try await Self.template(
                #"{"name":"50 off 200","currency":"CNY","kind":"amount_off","amount":5000,"minimum_spend":20000,"valid_days":30}"#,
                api: api,
                key: shop.key
            )
            let card = try await Self.template(
                #"{"name":"Free shipping","currency":"CNY","kind":"free_shipping","valid_from":"2026-01-01T00:00:00Z","valid_until":"2099-01-01T00:00:00Z","stacks_with_coupons":true}"#,
                api: api,
                key: shop.key
            )
            let read = try await api.send(.get, "/v1/coupon-templates/\(fifty)", key: shop.key)
                .decoded(Components.Schemas.CouponTemplate.self)
            #expect(read.kind == .amountOff && read.amount == 5000 && read.minimumSpend == 20000)
            #expect(read.validDays == 30 && read.validFrom == nil && read.issued == 0 && read.enabled)
            #expect(read.stacksWithCoupons == false && read.stacksWithPoints == true)
            let page = try await api.send(.get, "/v1/coupon-templates", key: shop.key)
                .decoded(Components.Schemas.CouponTemplatePage.self)
            #expect(page.data.map(\.id) == [card, fifty])

            // Every rule between fields is named at once.
            let invalid = try await api.send(
                .post,
                "/v1/coupon-templates",
                key: shop.key,
                json:
                    #"{"name":"x","currency":"CNY","kind":"amount_off","percent":10,"valid_days":3,"valid_from":"2026-01-01T00:00:00Z"}"#
            )
            #expect(invalid.status == .unprocessableContent, "\(invalid.text)")
            let fields = Set(
                (try invalid.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            )
            #expect(fields.isSuperset(of: ["amount", "percent"]), "\(invalid.text)")
            #expect(fields.contains { $0.hasPrefix("valid") }, "\(invalid.text)")

            let off = try await api.send(
                .patch,
                "/v1/coupon-templates/\(fifty)",
                key: shop.key,
                json: #"{"enabled":false}"#
            )
            #expect(try off.decoded(Components.Schemas.CouponTemplate.self).enabled == false)
            let refused = try await api.send(
                .post,
                "/v1/members/m/coupons",
                key: shop.key,
                json: #"{"template":"\#(fifty)"}"#
            )
            #expect(refused.status == .conflict, "\(refused.text)")
            let unknown = try await api.send(.get, "/v1/coupon-templates/\(UUID())", key: shop.key)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func couponsAreIssuedOnceByTheShopsIdWithinStockAndLimitAndVoided() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            let template = try await Self.template(
                #"{"name":"10% off","currency":"CNY","kind":"percent_off","percent":10,"valid_days":7,"per_member_limit":2,"stock":3}"#,
                api: api,
                key: shop.key
            )
            let body = #"{"template":"\#(template)","external_id":"thank-you-1"}"#
            let first = try await api.send(.post, "/v1/members/mei/coupons", key: shop.key, json: body)
            #expect(first.status == .created, "\(first.text)")
            let again = try await api.send(.post, "/v1/members/mei/coupons", key: shop.key, json: body)
            #expect(again.status == .ok, "\(again.text)")
            let coupon = try first.decoded(Components.Schemas.Coupon.self)
            #expect(try again.decoded(Components.Schemas.Coupon.self).id == coupon.id)
            #expect(coupon.state == .issued && coupon.source == .api && coupon.externalId == "thank-you-1")
            // Human-typable: 12 characters in three groups, from an alphabet without 0/O/1/I.
            #expect(coupon.code.count == 14 && coupon.code.split(separator: "-").count == 3)
            #expect(!coupon.code.contains { "01OIL".contains($0) })
            // The window ends at the end of the 7th local day (UTC program).
            #expect(coupon.validUntil.timeIntervalSince(coupon.validFrom) <= 7 * 86_400)
            #expect(coupon.validUntil.timeIntervalSince(coupon.validFrom) > 6 * 86_400)

            // Typed as a member would: lower case, no dashes.
            let typed = coupon.code.lowercased().replacingOccurrences(of: "-", with: "")
            #expect(try await Self.coupon(typed, api: api, key: shop.key).id == coupon.id)
            // Another tenant cannot see it.
            #expect(try await api.send(.get, "/v1/coupons/\(coupon.code)", key: other.key).status == .notFound)

            _ = try await Self.issue(template, to: "mei", api: api, key: shop.key)
            let overLimit = try await api.send(
                .post,
                "/v1/members/mei/coupons",
                key: shop.key,
                json: #"{"template":"\#(template)"}"#
            )
            #expect(overLimit.status == .conflict, "\(overLimit.text)")
            _ = try await Self.issue(template, to: "li", api: api, key: shop.key)
            let soldOut = try await api.send(
                .post,
                "/v1/members/li/coupons",
                key: shop.key,
                json: #"{"template":"\#(template)"}"#
            )
            #expect(soldOut.status == .conflict)
            #expect(try soldOut.problemType() == "/problems/out-of-stock")

            let voided = try await api.send(.post, "/v1/coupons/\(coupon.id)/void", key: shop.key)
            #expect(try voided.decoded(Components.Schemas.Coupon.self).state == .voided, "\(voided.text)")
            let voidedAgain = try await api.send(.post, "/v1/coupons/\(coupon.id)/void", key: shop.key)
            #expect(voidedAgain.status == .ok)
            let listed = try await api.send(.get, "/v1/members/mei/coupons?state=issued", key: shop.key)
                .decoded(Components.Schemas.CouponPage.self)
            #expect(listed.data.count == 1 && listed.data.allSatisfy { $0.state == .issued })
            #expect(try await TierTests.events("coupon.issued", tenant: shop.tenant).count == 3)
        }
    }

    @Test func theQuoteAppliesTheTierDiscountCouponsAndPointsAndWritesNothing() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let saved = try await api.putProgram(
                #"""
                {"currency":"CNY","redemption":{"points":100,"amount":100,"max_order_share_percent":50},
                 "tiers":{"metric":"spend","levels":[
                   {"code":"member","threshold":0,"discount_percent":5},
                   {"code":"silver","threshold":200000,"discount_percent":8},
                   {"code":"gold","threshold":500000,"discount_percent":10,"free_shipping":true},
                   {"code":"diamond","threshold":2000000,"discount_percent":12,"free_shipping":true}]}}
                """#,
                key: shop.key
            )
            #expect(saved.status == .ok, "\(saved.text)")
            let fifty = try await Self.template(
                #"{"name":"50 off 200","currency":"CNY","kind":"amount_off","amount":5000,"minimum_spend":20000,"valid_days":30}"#,
                api: api,
                key: shop.key
            )
            let tea = try await Self.template(
                #"{"name":"Tea 20%","currency":"CNY","kind":"percent_off","percent":20,"valid_days":30,"eligibility":{"categories":["tea"]},"stacks_with_points":false}"#,
                api: api,
                key: shop.key
            )
            let code = try await Self.issue(fifty, to: "mei", api: api, key: shop.key)
            let teaCode = try await Self.issue(tea, to: "mei", api: api, key: shop.key)
            let strangers = try await Self.issue(fifty, to: "li", api: api, key: shop.key)
            try await api.send(
                .post,
                "/v1/members/mei/adjustments",
                key: shop.key,
                json: #"{"points":5000,"reason_code":"goodwill"}"#
            )

            // 2 × 129.00 tea + 1 × 42.00 cup, shipping 10.00: the base level pays 95 %.
            let lines =
                #"[{"sku":"TEA-1","category":"tea","quantity":2,"unit_amount":12900},{"sku":"CUP","category":"ware","quantity":1,"unit_amount":4200}]"#
            let quote = try await api.send(
                .post,
                "/v1/checkout/quotes",
                key: shop.key,
                json:
                    #"{"member":"mei","currency":"CNY","lines":\#(lines),"shipping":1000,"coupons":["\#(code)","\#(strangers)"],"points":3000}"#
            )
            #expect(quote.status == .ok, "\(quote.text)")
            let q = try quote.decoded(Components.Schemas.CheckoutQuote.self)
            #expect(q.tier == "member")
            #expect(q.subtotal == 30_000)
            #expect(q.tierDiscount == 1_500)  // 5 % of 300.00
            #expect(q.lines.map(\.tierDiscount).reduce(0, +) == 1_500)
            #expect(q.coupons.map(\.applied) == [true, false])
            #expect(q.coupons.last?.reason == .unknownCode)  // another member's code
            #expect(q.couponDiscount == 5_000)
            #expect(q.lines.map(\.couponDiscount).reduce(0, +) == 5_000)
            // Points may pay half of the lines after discounts (235.00 → 117.50), but mei has 50.00.
            #expect(q.points.maxRedeemable == 5_000 && q.points.applied == 3_000 && q.points.value == 3_000)
            #expect(q.amountDue == 30_000 - 1_500 - 5_000 + 1_000 - 3_000)
            // Earned on what is due, shipping's share included (this program excludes nothing).
            #expect(q.pointsEarned == q.amountDue / 100)

            // Without codes, the best of the member's coupons; a coupon that refuses points says so.
            let best = try await api.send(
                .post,
                "/v1/checkout/quotes",
                key: shop.key,
                json:
                    #"{"member":"mei","currency":"CNY","lines":[{"sku":"TEA-1","category":"tea","quantity":2,"unit_amount":12900}],"points":100}"#
            ).decoded(Components.Schemas.CheckoutQuote.self)
            #expect(best.selectedAutomatically)
            #expect(best.coupons.map(\.code) == [code])  // 50.00 beats 20 % of 245.10 (49.02)
            let teaOnly = try await api.send(
                .post,
                "/v1/checkout/quotes",
                key: shop.key,
                json:
                    #"{"member":"mei","currency":"CNY","lines":[{"sku":"TEA-1","category":"tea","quantity":2,"unit_amount":12900}],"coupons":["\#(teaCode)"],"points":100}"#
            ).decoded(Components.Schemas.CheckoutQuote.self)
            #expect(teaOnly.points.applied == 0 && teaOnly.points.reason == "not_stackable")

            // Nothing was written: the coupons are still issued, the points still there.
            #expect(try await Self.coupon(code, api: api, key: shop.key).state == .issued)
            #expect(try await api.balance("mei", key: shop.key)["available"] as? Int == 5_000)
            let hostile = try await api.send(
                .post,
                "/v1/checkout/quotes",
                key: shop.key,
                json: #"{"member":"mei","currency":"CNY","lines":[]}"#
            )
            #expect(hostile.status == .unprocessableContent, "\(hostile.text)")
        }
    }

    @Test func twentyRacingOrdersNamingOneCouponReserveItOnceAndACancelledOrderGivesItBack() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let template = try await Self.template(
                #"{"name":"20 off","currency":"CNY","kind":"amount_off","amount":2000,"valid_days":30}"#,
                api: api,
                key: shop.key
            )
            let code = try await Self.issue(template, to: "cust-1", api: api, key: shop.key)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        let json =
                            #"{"external_id":"race-\#(n)","member":"cust-1","currency":"CNY","amount":23900,"status":"placed","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(code)"]}"#
                        return Int(try await api.send(.post, "/v1/orders", key: shop.key, json: json).status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 19, "\(statuses)")
            let reserved = try await Self.coupon(code, api: api, key: shop.key)
            #expect(reserved.state == .reserved)
            let winner = try #require(reserved.order)
            let order = try await api.send(.get, "/v1/orders/\(winner)", key: shop.key).json()
            #expect(order["coupons"] as? [String] == [code])

            // Cancelled: the coupon is back (policy reissue) and another order can use it.
            let cancelled = try await api.send(.post, "/v1/orders/\(winner)/cancel", key: shop.key)
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try await Self.coupon(code, api: api, key: shop.key).state == .issued)
            let paid = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json:
                    #"{"external_id":"second","member":"cust-1","currency":"CNY","amount":21900,"status":"paid","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(code.lowercased())"]}"#
            )
            #expect(paid.status == .created, "\(paid.text)")
            let redeemed = try await Self.coupon(code, api: api, key: shop.key)
            #expect(redeemed.state == .redeemed && redeemed.order == "second")
            // Sending the order again with other coupons is a conflict; without them, fine.
            let other = try await Self.issue(template, to: "cust-1", api: api, key: shop.key)
            let changed = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json:
                    #"{"external_id":"second","member":"cust-1","currency":"CNY","amount":21900,"status":"paid","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(other)"]}"#
            )
            #expect(changed.status == .conflict, "\(changed.text)")
            // Another member cannot use it: 422 naming the field.
            let stranger = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json:
                    #"{"external_id":"third","member":"cust-2","currency":"CNY","amount":100,"status":"paid","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(other)"]}"#
            )
            #expect(stranger.status == .unprocessableContent, "\(stranger.text)")
            // A full refund returns the redeemed coupon.
            let refund = try await api.send(
                .post,
                "/v1/orders/second/refunds",
                key: shop.key,
                json: #"{"external_id":"r-1","amount":21900}"#
            )
            #expect(refund.status == .created, "\(refund.text)")
            #expect(try await Self.coupon(code, api: api, key: shop.key).state == .issued)
            let events = try await TierTests.events("coupon.redeemed", tenant: shop.tenant)
            #expect(events.count == 1 && events.first?["order"] as? String == "second")
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func anOrderPaidWithAHoldCapturesItAndACancelledOneReleasesIt() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/members/mei", key: shop.key, json: "{}")
            try await api.send(
                .post,
                "/v1/members/mei/adjustments",
                key: shop.key,
                json: #"{"points":1000,"reason_code":"goodwill"}"#
            )
            let hold = try await api.send(.post, "/v1/members/mei/redemptions", key: shop.key, json: #"{"points":300}"#)
            let holdID = try #require(try hold.json()["id"] as? String)
            let order =
                #"{"external_id":"o-1","member":"mei","currency":"CNY","amount":9700,"status":"placed","placed_at":"2026-12-05T08:00:00Z","redemption":"\#(holdID)"}"#
            #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: order).status == .created)
            #expect(
                try await api.send(.get, "/v1/redemptions/\(holdID)", key: shop.key).json()["state"] as? String
                    == "held"
            )
            let paid = order.replacingOccurrences(of: #""placed","placed_at""#, with: #""paid","placed_at""#)
            #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: paid).status == .ok)
            #expect(
                try await api.send(.get, "/v1/redemptions/\(holdID)", key: shop.key).json()["state"] as? String
                    == "captured"
            )

            let second = try await api.send(
                .post,
                "/v1/members/mei/redemptions",
                key: shop.key,
                json: #"{"points":200}"#
            )
            let secondID = try #require(try second.json()["id"] as? String)
            let placed =
                #"{"external_id":"o-2","member":"mei","currency":"CNY","amount":100,"status":"placed","placed_at":"2026-12-05T08:00:00Z","redemption":"\#(secondID)"}"#
            #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: placed).status == .created)
            #expect(try await api.send(.post, "/v1/orders/o-2/cancel", key: shop.key).status == .ok)
            #expect(
                try await api.send(.get, "/v1/redemptions/\(secondID)", key: shop.key).json()["state"] as? String
                    == "released"
            )
            #expect(try await api.balance("mei", key: shop.key)["available"] as? Int == 700)
            // Another member's hold cannot pay this order.
            let foreign =
                #"{"external_id":"o-3","member":"li","currency":"CNY","amount":100,"status":"paid","placed_at":"2026-12-05T08:00:00Z","redemption":"\#(holdID)"}"#
            #expect(
                try await api.send(.post, "/v1/orders", key: shop.key, json: foreign).status == .unprocessableContent
            )
            try await expectAuditClean(shop.tenant)
        }
    }

    /// The seed's "spend 200, get 200 in coupons: four of 50, one a month", as a template and a
    /// campaign, redeemed month by month with the calendar moved (orders recorded at later dates
    /// through the store, as the API always records at the present).
    @Test func spendTwoHundredGetFourCouponsOfFiftyOneUsablePerMonth() async throws {
        let shop = try await makeTenant()
        let database = TestServers.shared.database
        let (template, campaign) = try await withAPI { api async throws -> (String, String) in
            try await api.putProgram(#"{"currency":"CNY","time_zone":"Asia/Shanghai"}"#, key: shop.key)
            let template = try await Self.template(
                #"{"name":"50 off 200","currency":"CNY","kind":"amount_off","amount":5000,"minimum_spend":20000,"valid_days":30,"per_member_limit":4}"#,
                api: api,
                key: shop.key
            )
            try await api.paidOrder("big", member: "mei", amount: 20_000, tenant: shop.tenant, key: shop.key)
            try await api.paidOrder("small", member: "li", amount: 19_999, tenant: shop.tenant, key: shop.key)
            let created = try await api.send(
                .post,
                "/v1/campaigns",
                key: shop.key,
                json:
                    #"{"kind":"coupons","name":"Spend 200 get 200","coupons":{"template":"\#(template)","count":4,"interval_months":1},"filter":{"min_spend":20000}}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let body = try created.decoded(Components.Schemas.Campaign.self)
            #expect(body.progress?.total == 1 && body.coupons?.count == 4)
            return (template, body.id)
        }
        try await CampaignTests().run(campaign, tenant: shop.tenant)
        try await CampaignTests().run(campaign, tenant: shop.tenant)  // a repeated job issues nothing twice
        let coupons = try await database.withTenant(shop.tenant) {
            try await $0.coupons(member: try ExternalID("mei"), state: nil, limit: try PageLimit(50), after: nil).items
        }.sorted { $0.validFrom < $1.validFrom }
        #expect(coupons.count == 4)
        #expect(coupons.allSatisfy { $0.source == .campaign && $0.template.id.uuidString.lowercased() == template })
        #expect(
            try await database.withTenant(shop.tenant) {
                try await $0.coupons(member: try ExternalID("li"), state: nil, limit: try PageLimit(50), after: nil)
                    .items
            }.isEmpty
        )
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for (n, coupon) in coupons.enumerated() {
            // The n-th starts n months after the issue, at the start of that local day.
            let start = try #require(calendar.date(byAdding: .month, value: n, to: coupons[0].createdAt))
            #expect(
                n == 0 ? coupon.validFrom == coupons[0].createdAt : coupon.validFrom == calendar.startOfDay(for: start)
            )
            let day = coupon.validFrom.addingTimeInterval(86_400)
            if n + 1 < coupons.count {
                // The next month's coupon is not valid yet.
                await #expect(throws: JifenError.self) {
                    try await database.withTenant(shop.tenant) {
                        _ = try await $0.recordOrder(Self.order("early-\(n)", coupon: coupons[n + 1].code), now: day)
                    }
                }
            }
            try await database.withTenant(shop.tenant) {
                _ = try await $0.recordOrder(Self.order("month-\(n)", coupon: coupon.code), now: day)
            }
        }
        let after = try await database.withTenant(shop.tenant) {
            try await $0.coupons(member: try ExternalID("mei"), state: .redeemed, limit: try PageLimit(50), after: nil)
                .items
        }
        #expect(after.count == 4)
        #expect(Set(after.compactMap(\.order)) == ["month-0", "month-1", "month-2", "month-3"])
        try await expectAuditClean(shop.tenant)
    }

    static func order(_ id: String, coupon: String) throws -> OrderDraft {
        try OrderDraft.validate(
            externalID: id,
            member: "mei",
            currency: "CNY",
            amount: 18_000,
            status: .paid,
            placedAt: Date(timeIntervalSince1970: 0),
            paidAt: nil,
            lines: [OrderLine(sku: "TEA-1", quantity: 1, unitAmount: 23_000)],
            coupons: [coupon]
        )
    }

    @Test func aNewMemberGetsTheWelcomePackAndTheQuoteWaivesShipping() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let card = try await Self.template(
                #"{"name":"包邮卡","currency":"CNY","kind":"free_shipping","valid_days":90,"stacks_with_coupons":true}"#,
                api: api,
                key: shop.key
            )
            let saved = try await api.putProgram(
                #"{"coupons":{"welcome":[{"template_id":"\#(card)"}],"return_policy":"void"}}"#,
                key: shop.key
            )
            #expect(saved.status == .ok, "\(saved.text)")
            try await api.send(.put, "/v1/members/new-1", key: shop.key, json: #"{"name":"Mei"}"#)
            try await api.send(.put, "/v1/members/new-1", key: shop.key, json: #"{"name":"Mei Li"}"#)  // not new again
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("w-1", member: "new-2"))
            for member in ["new-1", "new-2"] {
                let page = try await api.send(.get, "/v1/members/\(member)/coupons", key: shop.key)
                    .decoded(Components.Schemas.CouponPage.self)
                #expect(page.data.count == 1 && page.data.first?.source == .welcome, "\(member)")
            }
            let quote = try await api.send(
                .post,
                "/v1/checkout/quotes",
                key: shop.key,
                json:
                    #"{"member":"new-1","currency":"CNY","lines":[{"sku":"A","quantity":1,"unit_amount":5000}],"shipping":800}"#
            ).decoded(Components.Schemas.CheckoutQuote.self)
            #expect(quote.selectedAutomatically && quote.shippingDiscount == 800 && quote.amountDue == 5_000)
            #expect(quote.coupons.first?.discount == 800)
        }
    }

    @Test func aRewardCostingFiveHundredPointsIssuesACoupon() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let template = try await Self.template(
                #"{"name":"30 off","currency":"CNY","kind":"amount_off","amount":3000,"valid_days":30,"stock":1}"#,
                api: api,
                key: shop.key
            )
            let reward = try await api.send(
                .post,
                "/v1/rewards",
                key: shop.key,
                json: #"{"name":"A coupon of 30","points_cost":500,"coupon_template":"\#(template)"}"#
            )
            #expect(reward.status == .created, "\(reward.text)")
            let rewardID = try #require(try reward.json()["id"] as? String)
            #expect(try reward.json()["coupon_template"] as? String == template)
            for member in ["mei", "li"] {
                try await api.send(.put, "/v1/members/\(member)", key: shop.key, json: "{}")
                try await api.send(
                    .post,
                    "/v1/members/\(member)/adjustments",
                    key: shop.key,
                    json: #"{"points":600,"reason_code":"goodwill"}"#
                )
            }
            let claim = try await api.send(
                .post,
                "/v1/members/mei/reward-claims",
                key: shop.key,
                json: #"{"reward":"\#(rewardID)"}"#
            )
            #expect(claim.status == .created, "\(claim.text)")
            let codes = try #require(try claim.json()["coupons"] as? [String])
            #expect(codes.count == 1)
            let coupon = try await Self.coupon(codes[0], api: api, key: shop.key)
            #expect(coupon.source == .reward && coupon.member == "mei" && coupon.state == .issued)
            #expect(try await api.balance("mei", key: shop.key)["available"] as? Int == 100)
            // The template is out of coupons: the claim fails whole, the points stay.
            let soldOut = try await api.send(
                .post,
                "/v1/members/li/reward-claims",
                key: shop.key,
                json: #"{"reward":"\#(rewardID)"}"#
            )
            #expect(soldOut.status == .conflict, "\(soldOut.text)")
            #expect(try await api.balance("li", key: shop.key)["available"] as? Int == 600)
            let unknown = try await api.send(
                .post,
                "/v1/rewards",
                key: shop.key,
                json: #"{"name":"x","points_cost":1,"coupon_template":"\#(UUID())"}"#
            )
            #expect(unknown.status == .unprocessableContent, "\(unknown.text)")
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func couponsAreRemindedOnceAndExpireByTheSweeps() async throws {
        let shop = try await makeTenant()
        let code = try await withAPI { api async throws -> String in
            let template = try await Self.template(
                #"{"name":"5 days","currency":"CNY","kind":"amount_off","amount":1000,"valid_days":5}"#,
                api: api,
                key: shop.key
            )
            return try await Self.issue(template, to: "mei", api: api, key: shop.key)
        }
        let now = Date()
        try await runJob(.remindCoupons, tenant: shop.tenant, now: now)
        #expect(try await TierTests.events("coupon.expiring", tenant: shop.tenant).isEmpty)
        try await runJob(.remindCoupons, tenant: shop.tenant, now: now.addingTimeInterval(3 * 86_400))
        try await runJob(.remindCoupons, tenant: shop.tenant, now: now.addingTimeInterval(4 * 86_400))
        let reminders = try await TierTests.events("coupon.expiring", tenant: shop.tenant)
        #expect(reminders.count == 1 && reminders.first?["code"] as? String == code)
        try await runJob(.expireCoupons, tenant: shop.tenant, now: now.addingTimeInterval(4 * 86_400))
        #expect(try await TierTests.events("coupon.expired", tenant: shop.tenant).isEmpty)
        // The scheduler finds the tenant only while it has something due.
        let store = TenantStore(database: TestServers.shared.database)
        let later = now.addingTimeInterval(6 * 86_400)
        #expect(
            try await store.dueTenants(.expireCoupons, now: now, limit: 100_000, after: nil).contains(shop.tenant)
                == false
        )
        #expect(
            try await store.dueTenants(.expireCoupons, now: later, limit: 100_000, after: nil).contains(shop.tenant)
        )
        try await runJob(.expireCoupons, tenant: shop.tenant, now: later)
        #expect(
            try await store.dueTenants(.expireCoupons, now: later, limit: 100_000, after: nil).contains(shop.tenant)
                == false
        )
        let expired = try await TierTests.events("coupon.expired", tenant: shop.tenant)
        #expect(expired.count == 1 && expired.first?["member"] as? String == "mei")
        try await withAPI { api async throws in
            #expect(try await Self.coupon(code, api: api, key: shop.key).state == .expired)
        }
    }

    @Test func everyCouponEventReachesTheShopSignedAsStandardWebhooks() async throws {
        let shop = try await makeTenant()
        let entries = try await deliveredEvents(CouponEvent.types, shop: shop) { api in
            let template = try await Self.template(
                #"{"name":"2 days","currency":"CNY","kind":"amount_off","amount":500,"valid_days":2}"#,
                api: api,
                key: shop.key
            )
            let used = try await Self.issue(template, to: "mei", api: api, key: shop.key)
            _ = try await Self.issue(template, to: "mei", api: api, key: shop.key)
            let paid = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json:
                    #"{"external_id":"o-1","member":"mei","currency":"CNY","amount":1000,"status":"paid","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(used)"]}"#
            )
            #expect(paid.status == .created, "\(paid.text)")
            try await runJob(.remindCoupons, tenant: shop.tenant, now: Date().addingTimeInterval(86_400))
            try await runJob(.expireCoupons, tenant: shop.tenant, now: Date().addingTimeInterval(3 * 86_400))
        }
        #expect(entries.allSatisfy { $0.valid && $0.status == 200 }, "\(entries.map(\.type))")
        #expect(
            entries.compactMap(\.type).sorted()
                == ["coupon.expired", "coupon.expiring", "coupon.issued", "coupon.issued", "coupon.redeemed"]
        )
    }

}
