import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import Testing

/// Campaigns: a bulk grant to a segment, exactly once per member, and a multiplier window.
@Suite struct CampaignTests {
    /// Runs the campaign's job as a worker would.
    func run(_ campaign: String, tenant: TenantID) async throws {
        let servers = try await TestServers.shared.ready()
        let handler = CampaignHandler(database: servers.database, logger: servers.logger)
        try await handler.handle(
            Job(id: "test:\(UUID())", kind: .runCampaign, tenant: tenant, payload: #"{"campaign_id":"\#(campaign)"}"#)
        )
    }

    @Test func aGrantReachesEveryMemberOfTheSegmentOnce() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            for (member, tags) in [("a", #"["vip"]"#), ("b", #"["vip"]"#), ("c", "[]")] {
                try await api.send(.put, "/v1/members/\(member)", key: shop.key, json: #"{"tags":\#(tags)}"#)
            }
            let created = try await api.send(
                .post,
                "/v1/campaigns",
                key: shop.key,
                json:
                    #"{"kind":"grant","name":"VIP thanks","points":100,"reason_code":"vip_thanks","filter":{"tag":"vip"}}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let id = try #require(body["id"] as? String)
            #expect((body["progress"] as? [String: Any])?["total"] as? Int == 2)
            #expect((body["progress"] as? [String: Any])?["done"] as? Int == 0)
            #expect(body["state"] as? String == "running")
            // A member who joins the segment later is not part of this campaign.
            try await api.send(.put, "/v1/members/d", key: shop.key, json: #"{"tags":["vip"]}"#)

            try await run(id, tenant: shop.tenant)
            try await run(id, tenant: shop.tenant)  // a repeated job grants nothing twice
            for (member, points) in [("a", 100), ("b", 100), ("c", 0), ("d", 0)] {
                #expect(try await api.balance(member, key: shop.key)["available"] as? Int == points, "\(member)")
            }
            let done = try await api.send(.get, "/v1/campaigns/\(id)", key: shop.key).json()
            #expect(done["state"] as? String == "completed")
            #expect((done["progress"] as? [String: Any])?["done"] as? Int == 2)
            let ledger = try await api.send(.get, "/v1/members/a/ledger", key: shop.key).json()
            let entry = try #require((ledger["data"] as? [[String: Any]])?.first)
            #expect(entry["source"] as? String == "campaign" && entry["reason"] as? String == "vip_thanks")
            #expect(try await TierTests.events("points.adjusted", tenant: shop.tenant).count == 2)
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func campaignsAreValidatedAndScopedToTheirTenant() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            let bad = try await api.send(.post, "/v1/campaigns", key: shop.key, json: #"{"kind":"grant","name":"x"}"#)
            #expect(bad.status == .unprocessableContent)
            let fields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["points", "reason_code"])
            let window =
                #"{"kind":"multiplier","name":"x","multiplier_percent":200,"starts_at":"2026-12-02T00:00:00Z","ends_at":"2026-12-01T00:00:00Z"}"#
            #expect(
                try await api.send(.post, "/v1/campaigns", key: shop.key, json: window).status == .unprocessableContent
            )
            let created = try await api.send(
                .post,
                "/v1/campaigns",
                key: shop.key,
                json: #"{"kind":"grant","name":"All","points":5,"reason_code":"hello"}"#
            )
            let id = try #require(try created.json()["id"] as? String)
            #expect(try await api.send(.get, "/v1/campaigns/\(id)", key: other.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/campaigns/\(UUID())", key: shop.key).status == .notFound)
        }
    }

    @Test func aMultiplierWindowDoublesTheCategoryItCovers() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let now = Date()
            let window = """
                {"kind":"multiplier","name":"Tea weekend","multiplier_percent":200,"category":"tea",\
                "starts_at":"\(now.addingTimeInterval(-3600).formatted(.iso8601))",\
                "ends_at":"\(now.addingTimeInterval(3600).formatted(.iso8601))"}
                """
            let created = try await api.send(.post, "/v1/campaigns", key: shop.key, json: window)
            #expect(created.status == .created, "\(created.text)")
            #expect(try created.json()["state"] as? String == "active")
            let lines =
                #"[{"sku":"TEA-01","category":"tea","quantity":1,"unit_amount":12000},{"sku":"CUP","category":"cups","quantity":1,"unit_amount":1900}]"#
            // Tea 120.00 ×2 = 240, cups 19.00 = 19.
            #expect(
                try await api.paidOrder(
                    "o-1",
                    member: "m-1",
                    amount: 13_900,
                    tenant: shop.tenant,
                    key: shop.key,
                    lines: lines
                )
                    == 259
            )
            // Paid before the window: the rate alone.
            let early = now.addingTimeInterval(-7200).formatted(.iso8601)
            let order = """
                {"external_id":"o-2","member":"m-1","currency":"CNY","amount":13900,"status":"paid",\
                "placed_at":"\(early)","paid_at":"\(early)","lines":\(lines)}
                """
            #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: order).status == .created)
            #expect(try await settle(shop.tenant, order: "o-2")?.award?.points == 139)
        }
    }
}
