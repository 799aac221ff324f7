import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// Tiers by qualifying spend: up on the qualifying order, down only at the evaluation after the
/// grace period, the multiplier on the next order.
@Suite struct TierTests {
    static func program(window: String = "lifetime", grace: Int = 30, pendingDays: Int = 0) -> String {
        """
        {"currency":"CNY","pending_days":\(pendingDays),"tiers":{"metric":"spend","window":"\(window)",\
        "grace_days":\(grace),"levels":[\
        {"code":"member","name":"Member","threshold":0,"discount_percent":5},\
        {"code":"silver","name":"Silver","threshold":200000,"earn_multiplier_percent":150,"discount_percent":8},\
        {"code":"gold","name":"Gold","threshold":500000,"earn_multiplier_percent":200,"perks":["free_shipping"]}]}}
        """
    }

    @Test func upOnTheQualifyingOrderWithTheMultiplierFromTheNext() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.putProgram(Self.program(), key: shop.key).status == .ok)
            #expect(
                try await api.paidOrder("o-1", member: "m-1", amount: 150_000, tenant: shop.tenant, key: shop.key)
                    == 1500
            )
            var tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "member")
            #expect(tier["value"] as? Int == 150_000)
            #expect(tier["next_tier"] as? String == "silver")
            #expect(tier["remaining"] as? Int == 50_000)

            // The order that reaches 2,000 yuan moves the member up; it earns at the old rate.
            #expect(
                try await api.paidOrder("o-2", member: "m-1", amount: 100_000, tenant: shop.tenant, key: shop.key)
                    == 1000
            )
            tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "silver")
            #expect(tier["earn_multiplier_percent"] as? Int == 150)
            #expect(tier["discount_percent"] as? Int == 8)
            #expect(tier["since"] as? String != nil)
            #expect(tier["remaining"] as? Int == 250_000)
            #expect(tier["kept_until"] == nil, "lifetime spend is kept for good")

            // The next order earns ×1.5.
            #expect(
                try await api.paidOrder("o-3", member: "m-1", amount: 10_000, tenant: shop.tenant, key: shop.key) == 150
            )
            let changes = try await Self.events("tier.changed", tenant: shop.tenant)
            #expect(changes.count == 1)
            #expect(changes.first?["from"] as? String == "member" && changes.first?["to"] as? String == "silver")
            #expect(changes.first?["direction"] as? String == "up" && changes.first?["value"] as? Int == 250_000)
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func aRefundBelowTheThresholdDowngradesOnlyAfterTheGracePeriod() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program(grace: 30), key: shop.key)
            try await api.paidOrder("o-1", member: "m-1", amount: 150_000, tenant: shop.tenant, key: shop.key)
            try await api.paidOrder("o-2", member: "m-1", amount: 100_000, tenant: shop.tenant, key: shop.key)
            #expect(try await Self.tier("m-1", api: api, key: shop.key)["code"] as? String == "silver")

            let refund = #"{"external_id":"r-1","amount":100000}"#
            let refunded = try await api.send(.post, "/v1/orders/o-2/refunds", key: shop.key, json: refund)
            #expect(refunded.status == .created, "\(refunded.text)")
            let now = Date()
            // Below 2,000 yuan now, but kept: the grace period runs.
            var tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "silver")
            #expect(tier["value"] as? Int == 150_000)
            let keptUntil = try #require((tier["kept_until"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(keptUntil.timeIntervalSince(now.addingTimeInterval(30 * 86_400))) < 120)

            // An evaluation inside the grace period changes nothing.
            try await runJob(.evaluateTiers, tenant: shop.tenant, now: now.addingTimeInterval(29 * 86_400))
            #expect(try await Self.tier("m-1", api: api, key: shop.key)["code"] as? String == "silver")
            // The first evaluation after it moves the member down.
            try await runJob(.evaluateTiers, tenant: shop.tenant, now: now.addingTimeInterval(31 * 86_400))
            tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "member")
            let changes = try await Self.events("tier.changed", tenant: shop.tenant)
            #expect(changes.map { $0["direction"] as? String } == ["up", "down"])
        }
    }

    @Test func spendLeavingTheRollingWindowLowersTheTierAtEvaluation() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program(window: "rolling_12_months", grace: 0), key: shop.key)
            try await api.paidOrder("o-1", member: "m-1", amount: 250_000, tenant: shop.tenant, key: shop.key)
            let now = Date()
            let tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "silver")
            // Kept until the order leaves the window (12 months after it qualified).
            let keptUntil = try #require((tier["kept_until"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            let yearLater = Calendar.gregorian(in: .gmt).date(byAdding: .month, value: 12, to: now) ?? now
            #expect(abs(keptUntil.timeIntervalSince(yearLater)) < 120)

            try await runJob(.evaluateTiers, tenant: shop.tenant, now: now.addingTimeInterval(300 * 86_400))
            #expect(try await Self.tier("m-1", api: api, key: shop.key)["code"] as? String == "silver")
            try await runJob(.evaluateTiers, tenant: shop.tenant, now: now.addingTimeInterval(370 * 86_400))
            #expect(try await Self.tier("m-1", api: api, key: shop.key)["code"] as? String == "member")
        }
    }

    @Test func anOrderQualifiesWhenItsReturnWindowEnds() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program(pendingDays: 7), key: shop.key)
            try await api.paidOrder("o-1", member: "m-1", amount: 250_000, tenant: shop.tenant, key: shop.key)
            // Paid, but still returnable: not qualifying yet.
            var tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "member")
            #expect(tier["value"] as? Int == 0)
            // Its points are released when the window ends, and the member moves up with them.
            try await runJob(.releasePoints, tenant: shop.tenant, now: Date().addingTimeInterval(8 * 86_400))
            tier = try await Self.tier("m-1", api: api, key: shop.key)
            #expect(tier["code"] as? String == "silver")
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func tiersAreValidated() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let bad = try await api.putProgram(
                #"{"tiers":{"levels":[{"code":"gold","threshold":5},{"code":"Gold!","threshold":1}]}}"#,
                key: shop.key
            )
            // What the spec says (a code's pattern) is checked before the program's own rules.
            #expect(bad.status == .unprocessableContent)
            let fields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(fields == ["tiers.levels[1].code"])
            let unordered = try await api.putProgram(
                #"{"tiers":{"levels":[{"code":"gold","threshold":5},{"code":"silver","threshold":1}]}}"#,
                key: shop.key
            )
            #expect(unordered.status == .unprocessableContent)
            let rules =
                (try unordered.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(rules.contains("tiers.levels[0].threshold"))
            #expect(rules.contains("tiers.levels[1].threshold"))
        }
    }

    /// The member's `tier` object.
    static func tier(_ member: String, api: APIClient, key: String) async throws -> [String: Any] {
        let body = try await api.send(.get, "/v1/members/\(member)", key: key).json()
        return try #require(body["tier"] as? [String: Any], "no tier in \(body)")
    }

    /// The `data` of the tenant's events of `type`, oldest first.
    static func events(_ type: String, tenant: TenantID) async throws -> [[String: Any]] {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                "SELECT data::text FROM domain_events WHERE type = \(type) ORDER BY created_at, sequence",
                logger: TestServers.shared.logger
            )
            var all: [String] = []
            for try await text in rows.decode(String.self) { all.append(text) }
            return all
        }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
