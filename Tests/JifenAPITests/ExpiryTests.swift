import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// Points expiry per lot, reminders and backfill, moving time with the sweeps' clock.
@Suite struct ExpiryTests {
    static let day: TimeInterval = 86_400

    func events(_ tenant: TenantID, type: String) async throws -> [String] {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            var all: [String] = []
            for try await data in try await connection.connection.query(
                "SELECT data::text FROM domain_events WHERE type = \(type) ORDER BY member_id, sequence",
                logger: TestServers.shared.logger
            ).decode(String.self) { all.append(data) }
            return all
        }
    }

    @Test func aPartlySpentLotExpiresOnlyWhatIsLeftAtTheNextSweep() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"expiry":{"policy":"rolling","days":30}}"#, key: shop.key)
            #expect(try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key) == 259)
            let hold = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":100}"#)
            let id = try #require(try hold.json()["id"] as? String)
            try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key)
            let lots = try await api.send(.get, "/v1/members/m/lots", key: shop.key).json()
            #expect((lots["data"] as? [[String: Any]])?.first?["expires_at"] != nil)

            try await runJob(.expireLots, tenant: shop.tenant, now: now.addingTimeInterval(29 * Self.day))
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 159)

            try await runJob(.expireLots, tenant: shop.tenant, now: now.addingTimeInterval(31 * Self.day))
            var balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 0)
            #expect(balance["lifetime_expired"] as? Int == 159)
            let expired = try await api.send(.get, "/v1/members/m/ledger?kind=expire", key: shop.key).json()
            let entries = expired["data"] as? [[String: Any]] ?? []
            #expect(entries.count == 1)
            #expect(entries.first?["available_delta"] as? Int == -159)
            #expect(entries.first?["source"] as? String == "expiry")
            let lot =
                (try await api.send(.get, "/v1/members/m/lots", key: shop.key).json()["data"] as? [[String: Any]])?
                .first
            #expect(lot?["state"] as? String == "expired")
            #expect(lot?["remaining"] as? Int == 0)

            // Sweeping again changes nothing.
            try await runJob(.expireLots, tenant: shop.tenant, now: now.addingTimeInterval(40 * Self.day))
            balance = try await api.balance("m", key: shop.key)
            #expect(balance["lifetime_expired"] as? Int == 159)
        }
        #expect(try await events(shop.tenant, type: "points.expired").count == 1)
        try await expectAuditClean(shop.tenant)
    }

    @Test func pointsHeldWhenTheirLotExpiresExpireWhenTheHoldIsReleased() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"expiry":{"policy":"rolling","days":30},"redemption":{"hold_minutes":10080}}"#,
                key: shop.key
            )
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let hold = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":100}"#)
            let id = try #require(try hold.json()["id"] as? String)
            try await runJob(.expireLots, tenant: shop.tenant, now: now.addingTimeInterval(31 * Self.day))
            #expect(try await api.balance("m", key: shop.key)["held"] as? Int == 100)
            try await api.send(.post, "/v1/redemptions/\(id)/release", key: shop.key)
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 0)
            #expect(balance["held"] as? Int == 0)
            #expect(balance["lifetime_expired"] as? Int == 259)
        }
        // One for the sweep (159), one for the held 100 when they came back.
        #expect(try await events(shop.tenant, type: "points.expired").count == 2)
        try await expectAuditClean(shop.tenant)
    }

    @Test func importedHistoryExpiresWhatWouldAlreadyHaveExpired() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"expiry":{"policy":"end_of_period","period":"year","periods_after":1}}"#,
                key: shop.key
            )
            // Paid in March 2024: valid to the end of 2025. Paid in March 2026: to the end of 2027.
            for (id, year) in [("old", 2024), ("new", 2026)] {
                let json = """
                    {"external_id":"\(id)","member":"m","currency":"CNY","amount":10000,"status":"paid",\
                    "placed_at":"\(year)-03-01T08:00:00Z","paid_at":"\(year)-03-01T08:05:00Z"}
                    """
                try await api.send(.post, "/v1/orders", key: shop.key, json: json)
                try await settle(shop.tenant, order: id)
            }
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 200)
            try await runJob(.expireLots, tenant: shop.tenant, now: Date())
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 100)
            #expect(balance["lifetime_expired"] as? Int == 100)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func inactivityExpiresEverythingUnlessTheMemberEarnedSince() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"expiry":{"policy":"inactivity","inactivity_months":6}}"#, key: shop.key)
            func order(_ id: String, member: String, monthsAgo: Int) async throws {
                let paid = Calendar(identifier: .gregorian).date(byAdding: .month, value: -monthsAgo, to: now) ?? now
                let json = """
                    {"external_id":"\(id)","member":"\(member)","currency":"CNY","amount":10000,"status":"paid",\
                    "placed_at":"\(paid.formatted(.iso8601))","paid_at":"\(paid.formatted(.iso8601))"}
                    """
                try await api.send(.post, "/v1/orders", key: shop.key, json: json)
                try await settle(shop.tenant, order: id)
            }
            try await order("a-1", member: "quiet", monthsAgo: 8)
            try await order("b-1", member: "active", monthsAgo: 8)
            try await order("b-2", member: "active", monthsAgo: 2)
            try await runJob(.expireLots, tenant: shop.tenant, now: now)
            #expect(try await api.balance("quiet", key: shop.key)["available"] as? Int == 0)
            #expect(try await api.balance("active", key: shop.key)["available"] as? Int == 200)
            // Five more quiet months for the active member, and its points go too.
            try await runJob(.expireLots, tenant: shop.tenant, now: now.addingTimeInterval(130 * Self.day))
            #expect(try await api.balance("active", key: shop.key)["available"] as? Int == 0)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aReminderFiresOncePerWindow() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"time_zone":"Asia/Shanghai","expiry":{"policy":"rolling","days":10,"reminder_days":[7,3]}}"#,
                key: shop.key
            )
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            try await runJob(.remindExpiring, tenant: shop.tenant, now: now.addingTimeInterval(1 * Self.day))
            #expect(try await events(shop.tenant, type: "points.expiring").isEmpty)
            try await runJob(.remindExpiring, tenant: shop.tenant, now: now.addingTimeInterval(4 * Self.day))
            try await runJob(.remindExpiring, tenant: shop.tenant, now: now.addingTimeInterval(4.5 * Self.day))
            var sent = try await events(shop.tenant, type: "points.expiring")
            #expect(sent.count == 1)
            #expect(sent.first?.contains(#""days_before": 7"#) == true)
            #expect(sent.first?.contains(#""points": 259"#) == true)
            try await runJob(.remindExpiring, tenant: shop.tenant, now: now.addingTimeInterval(8 * Self.day))
            try await runJob(.remindExpiring, tenant: shop.tenant, now: now.addingTimeInterval(9 * Self.day))
            sent = try await events(shop.tenant, type: "points.expiring")
            #expect(sent.count == 2)
            #expect(sent.last?.contains(#""days_before": 3"#) == true)
        }
    }
}
