import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// Member statistics kept by the workers, the segment filters on them, and lapse detection.
@Suite struct SegmentAndLapseTests {
    func order(_ id: String, member: String, amount: Int64, placedAt: String) -> String {
        """
        {"external_id":"\(id)","member":"\(member)","currency":"CNY","amount":\(amount),"status":"paid",\
        "placed_at":"\(placedAt)"}
        """
    }

    @Test func statsFollowOrdersAndRefundsAndSegmentsFilterOnThem() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(TierTests.program(), key: shop.key)
            #expect(
                try await api.send(.put, "/v1/members/vip-1", key: shop.key, json: #"{"tags":["vip"]}"#).status
                    == .created
            )
            try await api.send(.put, "/v1/members/vip-2", key: shop.key, json: #"{"tags":["vip","wholesale"]}"#)
            try await api.send(.put, "/v1/members/plain", key: shop.key, json: #"{"tags":[]}"#)
            try await api.send(.put, "/v1/members/vip-9", key: other.key, json: #"{"tags":["vip"]}"#)
            for (id, member, amount, at) in [
                ("o-1", "vip-1", Int64(150_000), "2026-09-01T10:00:00Z"),
                ("o-2", "vip-1", 100_000, "2026-10-01T10:00:00Z"),
                ("o-3", "vip-2", 5_000, "2026-11-29T10:00:00Z"), ("o-4", "plain", 20_000, "2026-06-01T10:00:00Z"),
            ] {
                #expect(
                    try await api.send(
                        .post,
                        "/v1/orders",
                        key: shop.key,
                        json: order(id, member: member, amount: amount, placedAt: at)
                    ).status == .created
                )
                try await settle(shop.tenant, order: id)
            }
            var stats = try #require(
                try await api.send(.get, "/v1/members/vip-1", key: shop.key).json()["stats"] as? [String: Any]
            )
            #expect(stats["order_count"] as? Int == 2)
            #expect(stats["total_spend"] as? Int == 250_000)
            #expect(stats["average_order_value"] as? Int == 125_000)
            #expect(stats["first_order_at"] as? String == "2026-09-01T10:00:00Z")
            #expect(stats["last_order_at"] as? String == "2026-10-01T10:00:00Z")
            #expect(stats["lapsed"] as? Bool == false)

            // A refund lowers the spend; a full refund drops the order from the count.
            #expect(
                try await api.send(
                    .post,
                    "/v1/orders/o-2/refunds",
                    key: shop.key,
                    json: #"{"external_id":"r-1","amount":100000}"#
                ).status == .created
            )
            stats = try #require(
                try await api.send(.get, "/v1/members/vip-1", key: shop.key).json()["stats"] as? [String: Any]
            )
            #expect(stats["order_count"] as? Int == 1)
            #expect(stats["total_spend"] as? Int == 150_000)

            func segment(_ query: String) async throws -> [String] {
                let body = try await api.send(.get, "/v1/members?\(query)", key: shop.key).json()
                return ((body["data"] as? [[String: Any]]) ?? []).compactMap { $0["external_id"] as? String }.sorted()
            }
            #expect(try await segment("tag=vip") == ["vip-1", "vip-2"])
            #expect(try await segment("tag=wholesale") == ["vip-2"])
            #expect(try await segment("min_spend=20000") == ["plain", "vip-1"])
            #expect(try await segment("tag=vip&max_spend=10000") == ["vip-2"])
            #expect(try await segment("min_orders=1&max_orders=1") == ["plain", "vip-1", "vip-2"])
            #expect(try await segment("inactive_days=30") == ["plain", "vip-1"])
            // Tiers: vip-1 was silver before its refund (kept during the grace period).
            #expect(try await segment("tier=silver") == ["vip-1"])
            #expect(try await segment("tier=member") == ["plain", "vip-2"])
            #expect(try await segment("tier=gold").isEmpty)
            #expect(try await api.send(.get, "/v1/members?min_orders=-1", key: shop.key).status == .badRequest)
            // Another tenant's members never match.
            #expect(try await segment("tag=vip").contains("vip-9") == false)
        }
    }

    @Test func aMemberLapsesOncePerLapse() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"lapse":{"repurchase_window_days":47}}"#, key: shop.key)
            // All in the past: orders are placed before they are paid (now).
            let placed = Date().addingTimeInterval(-200 * 86_400)
            let placedText = placed.formatted(.iso8601)
            try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: order("o-1", member: "m-1", amount: 10_000, placedAt: placedText)
            )
            try await settle(shop.tenant, order: "o-1")

            try await runJob(.detectLapses, tenant: shop.tenant, now: placed.addingTimeInterval(46 * 86_400))
            #expect(try await TierTests.events("member.lapsed", tenant: shop.tenant).isEmpty)
            try await runJob(.detectLapses, tenant: shop.tenant, now: placed.addingTimeInterval(48 * 86_400))
            try await runJob(.detectLapses, tenant: shop.tenant, now: placed.addingTimeInterval(60 * 86_400))
            var lapses = try await TierTests.events("member.lapsed", tenant: shop.tenant)
            #expect(lapses.count == 1, "one event per lapse, however many sweeps")
            #expect(lapses.first?["member"] as? String == "m-1")
            #expect(lapses.first?["days_since_last_order"] as? Int == 48)
            #expect(lapses.first?["repurchase_window_days"] as? Int == 47)
            let stats = try #require(
                try await api.send(.get, "/v1/members/m-1", key: shop.key).json()["stats"] as? [String: Any]
            )
            #expect(stats["lapsed"] as? Bool == true)

            // A new order ends the lapse; the next lapse is reported again.
            let again = placed.addingTimeInterval(61 * 86_400)
            try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: order("o-2", member: "m-1", amount: 10_000, placedAt: again.formatted(.iso8601))
            )
            try await settle(shop.tenant, order: "o-2", now: again)
            try await runJob(.detectLapses, tenant: shop.tenant, now: again.addingTimeInterval(30 * 86_400))
            #expect(try await TierTests.events("member.lapsed", tenant: shop.tenant).count == 1)
            try await runJob(.detectLapses, tenant: shop.tenant, now: again.addingTimeInterval(50 * 86_400))
            lapses = try await TierTests.events("member.lapsed", tenant: shop.tenant)
            #expect(lapses.count == 2)
            try await expectAuditClean(shop.tenant)
        }
    }
}
