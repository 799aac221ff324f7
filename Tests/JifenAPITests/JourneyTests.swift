import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import PostgresNIO
import Testing

@testable import JifenAPI

/// Journeys and per-category windows through the router and the workers' handlers, with the
/// calendar moved: the 11.11 example with a holdout and a synthetic purchase pattern, the
/// per-category lapses, and steps given once.
@Suite struct JourneyTests {
    static func sql(_ tenant: TenantID, _ statement: PostgresQuery) async throws {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            try await connection.connection.query(statement, logger: TestServers.shared.logger)
        }
    }

    static func count(_ tenant: TenantID, _ statement: PostgresQuery) async throws -> Int {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(statement, logger: TestServers.shared.logger)
            return try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
        }
    }

    /// Every new customer of the 11.11 sale with an order of 299 or more gets a thank-you message;
    /// whoever has not come back a month later gets a coupon; twice; 20 % held out; a purchase
    /// within 10 days of a step is a response. The data builds in a 30 % response for stimulated
    /// members against a natural 15 %.
    @Test func theElevenElevenJourneyMeasuresItsLiftAgainstTheHoldout() async throws {
        let shop = try await makeTenant()
        let t = shop.tenant.rawValue
        let sale = try #require(ISO8601DateFormatter().date(from: "2026-11-11T04:00:00Z"))
        // 1,000 new customers of the sale; 100 below 299; 50 who had bought before.
        try await Self.sql(
            shop.tenant,
            "INSERT INTO members (tenant_id, external_id) SELECT \(t), 'n-' || n FROM generate_series(1, 1150) n"
        )
        try await Self.sql(
            shop.tenant,
            """
            INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at)
            SELECT tenant_id, 'sale-' || external_id, id, 'CNY',
                   CASE WHEN substr(external_id, 3)::int BETWEEN 1001 AND 1100 THEN 19900 ELSE 29900 END,
                   'paid', \(sale), \(sale)
            FROM members
            """
        )
        try await Self.sql(
            shop.tenant,
            """
            INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at)
            SELECT tenant_id, 'before-' || external_id, id, 'CNY', 10000, 'paid', \(sale.addingTimeInterval(-86_400 * 40)),
                   \(sale.addingTimeInterval(-86_400 * 40))
            FROM members WHERE substr(external_id, 3)::int > 1100
            """
        )
        let start = Date()
        let journey = try await withAPI { api async throws -> Components.Schemas.Journey in
            let template = try await CouponTests.template(
                #"{"name":"Come back","currency":"CNY","kind":"amount_off","amount":3000,"valid_days":20}"#,
                api: api,
                key: shop.key
            )
            let created = try await api.send(
                .post,
                "/v1/journeys",
                key: shop.key,
                json: #"""
                    {"name":"11.11 new customers","entry":{"kind":"first_order","from":"2026-11-10T16:00:00Z","until":"2026-11-11T16:00:00Z","minimum_spend":29900},
                     "steps":[{"wait_days":0,"action":{"kind":"message","key":"thank-you"}},
                              {"wait_days":30,"only_if_not_purchased":true,"action":{"kind":"coupon","template":"\#(template)"}}],
                     "cycles":2,"holdout_percent":20,"evaluation_days":10}
                    """#
            )
            #expect(created.status == .created, "\(created.text)")
            return try created.decoded(Components.Schemas.Journey.self)
        }
        #expect(journey.members == 1_000)
        #expect((160...240).contains(journey.heldOut), "\(journey.heldOut) of 1000 held out at 20 %")
        let id = try #require(UUID(uuidString: journey.id))
        // Held out by the stable hash of journey and member, as stored.
        let stored = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            let rows = try await connection.connection.query(
                "SELECT member_id, held_out FROM journey_members WHERE journey_id = \(id)",
                logger: TestServers.shared.logger
            )
            var all: [(UUID, Bool)] = []
            for try await row in rows.decode((UUID, Bool).self) { all.append(row) }
            return all
        }
        #expect(stored.allSatisfy { Holdout.isHeldOut(scope: id, member: $0.0, sharePercent: 20) == $0.1 })

        // Step 0 now: everyone reaches it; only the stimulated get the message.
        try await runJob(.advanceJourneys, tenant: shop.tenant, now: start.addingTimeInterval(60))
        try await runJob(.advanceJourneys, tenant: shop.tenant, now: start.addingTimeInterval(120))  // nothing twice
        #expect(try await Self.count(shop.tenant, "SELECT count(*)::int FROM journey_steps WHERE step = 0") == 1_000)
        let messages = try await TierTests.events("journey.step", tenant: shop.tenant)
        #expect(messages.count == 1_000 - journey.heldOut)

        // The built-in pattern: within 5 days, 30 % of the stimulated and 15 % of the held out
        // buy again (the first by member id in each arm).
        for (heldOut, share) in [(false, 30), (true, 15)] {
            try await Self.sql(
                shop.tenant,
                """
                WITH arm AS (
                    SELECT member_id, row_number() OVER (ORDER BY member_id) AS n, count(*) OVER () AS size
                    FROM journey_members WHERE journey_id = \(id) AND held_out = \(heldOut)
                ), buyers AS (SELECT member_id FROM arm WHERE n * 100 <= size * \(share))
                INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at)
                SELECT \(t), 'back-' || member_id, member_id, 'CNY', 15000, 'paid',
                       \(start.addingTimeInterval(5 * 86_400)), \(start.addingTimeInterval(5 * 86_400))
                FROM buyers
                """
            )
        }
        // What scoring keeps for them (last_order_at is what exit-on-purchase reads).
        try await Self.sql(
            shop.tenant,
            """
            UPDATE members m SET last_order_at = o.paid_at
            FROM orders o WHERE o.tenant_id = m.tenant_id AND o.member_id = m.id AND o.external_id LIKE 'back-%'
            """
        )
        let (stimulatedSize, holdoutSize) = (1_000 - journey.heldOut, journey.heldOut)
        let stimulatedBuyers = stimulatedSize * 30 / 100
        let holdoutBuyers = holdoutSize * 15 / 100

        // A month on: buyers leave; the others get the coupon (the stimulated) or are tracked.
        try await runJob(.advanceJourneys, tenant: shop.tenant, now: start.addingTimeInterval(31 * 86_400))
        let coupons = try await Self.count(shop.tenant, "SELECT count(*)::int FROM coupons WHERE source = 'journey'")
        #expect(coupons == stimulatedSize - stimulatedBuyers)
        let exited = try await Self.count(
            shop.tenant,
            "SELECT count(*)::int FROM journey_members WHERE exit_reason = 'purchased'"
        )
        #expect(exited == stimulatedBuyers + holdoutBuyers)

        let results = try await withAPI { api async throws in
            try await api.send(.get, "/v1/journeys/\(journey.id)/results", key: shop.key)
                .decoded(Components.Schemas.JourneyResults.self)
        }
        let first = try #require(results.steps.first { $0.cycle == 0 && $0.step == 0 })
        #expect(first.stimulated.members == stimulatedSize && first.holdout.members == holdoutSize)
        #expect(first.stimulated.responders == stimulatedBuyers && first.holdout.responders == holdoutBuyers)
        #expect(abs(first.stimulatedRate - Double(stimulatedBuyers) / Double(stimulatedSize)) < 1e-9)
        #expect(abs(first.holdoutRate - Double(holdoutBuyers) / Double(holdoutSize)) < 1e-9)
        // The difference built into the data lies inside the 95 % interval.
        let truth = Double(stimulatedBuyers) / Double(stimulatedSize) - Double(holdoutBuyers) / Double(holdoutSize)
        #expect(first.low < truth && truth < first.high && first.low > 0, "\(first.low)…\(first.high)")
        #expect(first.stimulated.revenue == Int64(stimulatedBuyers) * 15_000)
        let second = try #require(results.steps.first { $0.cycle == 0 && $0.step == 1 })
        #expect(second.stimulated.members == stimulatedSize - stimulatedBuyers)
        #expect(second.holdout.members == holdoutSize - holdoutBuyers)
    }

    @Test func categoryWindowsLapseOnTheirDayOncePerCategory() async throws {
        let shop = try await makeTenant()
        let paid = Date()
        try await withAPI { api async throws in
            let saved = try await api.putProgram(
                #"{"repurchase":{"default_days":60,"categories":{"cosmetics":76,"womens-shoes":78}}}"#,
                key: shop.key
            )
            #expect(saved.status == .ok, "\(saved.text)")
            let journey = try await api.send(
                .post,
                "/v1/journeys",
                key: shop.key,
                json:
                    #"{"name":"Cosmetics","entry":{"kind":"lapsing","category":"cosmetics"},"steps":[{"wait_days":0,"action":{"kind":"points","points":100,"reason_code":"win_back"}}]}"#
            )
            #expect(journey.status == .created, "\(journey.text)")
            try await api.paidOrder(
                "both",
                member: "mei",
                tenant: shop.tenant,
                key: shop.key,
                lines:
                    #"[{"sku":"LIP-1","category":"cosmetics","quantity":1,"unit_amount":12900},{"sku":"SHOE-1","category":"womens-shoes","quantity":1,"unit_amount":13000}]"#
            )
            try await api.paidOrder(
                "cosmetics-only",
                member: "li",
                tenant: shop.tenant,
                key: shop.key,
                lines: #"[{"sku":"LIP-1","category":"cosmetics","quantity":1,"unit_amount":12900}]"#
            )
        }
        func lapses() async throws -> [[String: Any]] {
            try await TierTests.events("member.lapsing", tenant: shop.tenant)
        }
        try await runJob(.detectCategoryLapses, tenant: shop.tenant, now: paid.addingTimeInterval(75.9 * 86_400))
        #expect(try await lapses().isEmpty, "nothing lapses before its window ends")
        try await runJob(.detectCategoryLapses, tenant: shop.tenant, now: paid.addingTimeInterval(76.01 * 86_400))
        #expect(try await lapses().compactMap { $0["category"] as? String }.sorted() == ["cosmetics", "cosmetics"])
        // Both entered the journey that starts on lapsing in cosmetics.
        #expect(try await Self.count(shop.tenant, "SELECT count(*)::int FROM journey_members") == 2)
        try await runJob(.detectCategoryLapses, tenant: shop.tenant, now: paid.addingTimeInterval(78.01 * 86_400))
        try await runJob(.detectCategoryLapses, tenant: shop.tenant, now: paid.addingTimeInterval(90 * 86_400))
        let all = try await lapses()
        #expect(all.count == 3, "one per member and category: \(all)")
        #expect(
            all.filter { $0["member"] as? String == "mei" }.compactMap { $0["category"] as? String }.sorted()
                == ["cosmetics", "womens-shoes"]
        )
        try await withAPI { api async throws in
            let member = try await api.send(.get, "/v1/members/mei", key: shop.key).decoded(
                Components.Schemas.Member.self
            )
            let windows = try #require(member.repurchase)
            #expect(windows.map(\.category) == ["cosmetics", "womens-shoes"])
            let gap = windows.map { $0.nextExpectedPurchase.timeIntervalSince($0.lastOrderAt) / 86_400 }
            #expect(gap == [76, 78])
        }
    }

    @Test func journeysAreValidatedAndStopped() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let invalid = try await api.send(
                .post,
                "/v1/journeys",
                key: shop.key,
                json:
                    #"{"name":"x","entry":{"kind":"first_order","from":"2026-11-12T00:00:00Z","until":"2026-11-11T00:00:00Z"},"steps":[{"wait_days":0,"action":{"kind":"points","points":10,"reason_code":"Bad Code"}}]}"#
            )
            #expect(invalid.status == .unprocessableContent, "\(invalid.text)")
            let created = try await api.send(
                .post,
                "/v1/journeys",
                key: shop.key,
                json:
                    #"{"name":"Cosmetics","entry":{"kind":"lapsing","category":"cosmetics"},"steps":[{"wait_days":0,"action":{"kind":"points","points":100,"reason_code":"win_back"}}],"holdout_percent":10}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try created.decoded(Components.Schemas.Journey.self).id
            let stopped = try await api.send(.post, "/v1/journeys/\(id)/stop", key: shop.key)
            #expect(try stopped.decoded(Components.Schemas.Journey.self).state == .stopped)
            let listed = try await api.send(.get, "/v1/journeys", key: shop.key).decoded(
                Components.Schemas.JourneyPage.self
            )
            #expect(listed.data.map(\.id) == [id])
            #expect(try await api.send(.get, "/v1/journeys/\(UUID())", key: shop.key).status == .notFound)
        }
    }

    @Test func aCampaignHoldsOutItsShareGivesThemNothingAndReportsTheLift() async throws {
        let shop = try await makeTenant()
        let t = shop.tenant.rawValue
        try await Self.sql(
            shop.tenant,
            "INSERT INTO members (tenant_id, external_id, tags) SELECT \(t), 'v-' || n, '{vip}' FROM generate_series(1, 300) n"
        )
        let campaign = try await withAPI { api async throws -> Components.Schemas.Campaign in
            let created = try await api.send(
                .post,
                "/v1/campaigns",
                key: shop.key,
                json:
                    #"{"kind":"grant","name":"VIP","points":100,"reason_code":"vip","filter":{"tag":"vip"},"holdout_percent":20,"evaluation_days":10}"#
            )
            #expect(created.status == .created, "\(created.text)")
            return try created.decoded(Components.Schemas.Campaign.self)
        }
        let held = try #require(campaign.heldOut)
        #expect((30...90).contains(held), "\(held) of 300 held out at 20 %")
        try await CampaignTests().run(campaign.id, tenant: shop.tenant)
        // Held-out members got nothing; the others 100 points each.
        let granted = try await Self.count(
            shop.tenant,
            "SELECT count(*)::int FROM ledger_entries WHERE source = 'campaign'"
        )
        #expect(granted == 300 - held)
        let heldWithPoints = try await Self.count(
            shop.tenant,
            """
            SELECT count(*)::int FROM campaign_members cm JOIN balances b ON b.tenant_id = cm.tenant_id
              AND b.member_id = cm.member_id WHERE cm.held_out AND b.available > 0
            """
        )
        #expect(heldWithPoints == 0)
        // A purchase by every served member whose external id ends in 0 or 5, and by none held out.
        try await Self.sql(
            shop.tenant,
            """
            INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at)
            SELECT cm.tenant_id, 'o-' || m.external_id, cm.member_id, 'CNY', 10000, 'paid', now(), now()
            FROM campaign_members cm JOIN members m ON m.tenant_id = cm.tenant_id AND m.id = cm.member_id
            WHERE NOT cm.held_out AND (m.external_id LIKE '%0' OR m.external_id LIKE '%5')
            """
        )
        let buyers = try await Self.count(shop.tenant, "SELECT count(*)::int FROM orders")
        let results = try await withAPI { api async throws in
            try await api.send(.get, "/v1/campaigns/\(campaign.id)/results", key: shop.key)
                .decoded(Components.Schemas.CampaignResults.self)
        }
        #expect(results.stimulated.members == 300 - held && results.holdout.members == held)
        #expect(results.stimulated.responders == buyers && results.holdout.responders == 0)
        #expect(results.stimulated.pointsCost == Int64(300 - held) * 100)
        #expect(abs(results.lift - Double(buyers) / Double(300 - held)) < 1e-9)
        #expect(results.low < results.lift && results.lift < results.high)
    }
}
