import Foundation
import JifenCore
import JifenTestSupport
import Testing

@Suite struct RedemptionTests {
    @Test func fiftyConcurrentRedemptionsOfTenFromAHundredPoints() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let grant = try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":100,"reason_code":"goodwill"}"#
            )
            #expect(grant.status == .created, "\(grant.text)")
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await api.send(
                            .post,
                            "/v1/members/m/redemptions",
                            key: shop.key,
                            json: #"{"points":10}"#
                        )
                        return (response.status.code, try response.problemType())
                    }
                }
                var all: [(Int, String?)] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0.0 == 201 }.count == 10)
            #expect(statuses.filter { $0.0 == 422 && $0.1 == "/problems/insufficient-points" }.count == 40)
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 0)
            #expect(balance["held"] as? Int == 100)
        }
        try await expectAuditClean(shop.tenant)
        let negative = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            try await connection.connection.query(
                "SELECT count(*) FROM point_lots WHERE remaining < 0",
                logger: TestServers.shared.logger
            ).decode(Int.self).first(where: { _ in true })
        }
        #expect(negative == 0)
    }

    @Test func holdsComeFromTheLotsThatExpireFirstAndReleaseReturnsThemThere() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(
                try await api.paidOrder("o-1", member: "m", amount: 5_000, tenant: shop.tenant, key: shop.key) == 50
            )
            #expect(
                try await api.paidOrder("o-2", member: "m", amount: 5_000, tenant: shop.tenant, key: shop.key) == 50
            )
            let hold = try await api.send(
                .post,
                "/v1/members/m/redemptions",
                key: shop.key,
                json: #"{"points":70,"order_reference":"checkout-9","order_total":10000}"#
            )
            #expect(hold.status == .created, "\(hold.text)")
            let body = try hold.json()
            let id = try #require(body["id"] as? String)
            #expect(body["value"] as? Int == 70)
            #expect(body["state"] as? String == "held")
            // Oldest first (neither expires yet): all of o-1's lot, then 20 of o-2's.
            let taken = (body["lots"] as? [[String: Any]] ?? []).compactMap { $0["points"] as? Int }
            #expect(taken.sorted() == [20, 50])

            let released = try await api.send(.post, "/v1/redemptions/\(id)/release", key: shop.key)
            #expect(try released.json()["state"] as? String == "released")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 100)
            let lots = try await api.send(.get, "/v1/members/m/lots", key: shop.key).json()
            #expect((lots["data"] as? [[String: Any]] ?? []).compactMap { $0["remaining"] as? Int } == [50, 50])
            // A released hold cannot be captured; releasing again changes nothing.
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key).status == .conflict)
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/release", key: shop.key).status == .ok)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 100)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func capturedPointsAreSpentAndCannotBeReleased() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let hold = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":100}"#)
            let id = try #require(try hold.json()["id"] as? String)
            let captured = try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key)
            #expect(try captured.json()["state"] as? String == "captured")
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key).status == .ok)
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/release", key: shop.key).status == .conflict)
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 159)
            #expect(balance["held"] as? Int == 0)
            #expect(balance["lifetime_redeemed"] as? Int == 100)
            #expect(try await api.send(.get, "/v1/redemptions/\(id)", key: shop.key).status == .ok)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func anExpiredHoldReturnsItsPoints() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"redemption":{"hold_minutes":5}}"#, key: shop.key)
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let hold = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":59}"#)
            // Taken after the hold exists, so a slow machine cannot put it past the 4-minute mark.
            let now = Date()
            let id = try #require(try hold.json()["id"] as? String)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 200)

            try await runJob(.expireHolds, tenant: shop.tenant, now: now.addingTimeInterval(4 * 60))
            #expect(try await api.balance("m", key: shop.key)["held"] as? Int == 59)
            try await runJob(.expireHolds, tenant: shop.tenant, now: now.addingTimeInterval(6 * 60))
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 259)
            #expect(balance["held"] as? Int == 0)
            let expired = try await api.send(.get, "/v1/redemptions/\(id)", key: shop.key).json()
            #expect(expired["state"] as? String == "expired")
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key).status == .conflict)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func redemptionLimitsComeFromTheProgram() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"currency":"CNY","redemption":{"points":100,"amount":100,"minimum_points":50,"max_order_share_percent":50}}"#,
                key: shop.key
            )
            try await api.paidOrder("o-1", member: "m", amount: 100_000, tenant: shop.tenant, key: shop.key)
            let small = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":10}"#)
            #expect(small.status == .unprocessableContent)
            // 600 points are worth 6.00; half of a 10.00 order is 5.00.
            let share = try await api.send(
                .post,
                "/v1/members/m/redemptions",
                key: shop.key,
                json: #"{"points":600,"order_total":1000}"#
            )
            #expect(share.status == .unprocessableContent)
            let ok = try await api.send(
                .post,
                "/v1/members/m/redemptions",
                key: shop.key,
                json: #"{"points":500,"order_total":1000}"#
            )
            #expect(ok.status == .created)
            #expect(try ok.json()["currency"] as? String == "CNY")
            let id = try #require(try ok.json()["id"] as? String)
            // Another tenant cannot see or touch it.
            #expect(try await api.send(.get, "/v1/redemptions/\(id)", key: other.key).status == .notFound)
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/capture", key: other.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/redemptions/not-a-uuid", key: shop.key).status == .notFound)
            #expect(
                try await api.send(.post, "/v1/members/nobody/redemptions", key: shop.key, json: #"{"points":1}"#)
                    .status == .notFound
            )
        }
    }
}

@Suite struct AdjustmentAndActivityTests {
    @Test func grantsAndDeductionsNeverGoBelowZero() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let grant = try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":50,"reason_code":"late_delivery","note":"3 days late","actor":"agent-7"}"#
            )
            #expect(grant.status == .created)
            #expect(try grant.json()["actor"] as? String == "agent-7")
            let deduct = try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":-30,"reason_code":"correction"}"#
            )
            #expect(deduct.status == .created)
            let tooMuch = try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":-21,"reason_code":"correction"}"#
            )
            #expect(try tooMuch.problemType() == "/problems/insufficient-points")
            let zero = try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":0,"reason_code":"correction"}"#
            )
            #expect(zero.status == .unprocessableContent)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 20)
            let ledger = try await api.send(.get, "/v1/members/m/ledger?kind=adjust", key: shop.key).json()
            let entries = ledger["data"] as? [[String: Any]] ?? []
            #expect(entries.compactMap { $0["available_delta"] as? Int } == [-30, 50])
            #expect(entries.last?["reason"] as? String == "late_delivery")
            #expect(entries.last?["actor"] as? String == "agent-7")
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aReviewEarnsOncePerIdAndTheDailyLimitHoldsUnderConcurrentPosts() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"time_zone":"Asia/Shanghai","activities":[{"type":"review","points":10,"daily_limit":3}]}"#,
                key: shop.key
            )
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let review = #"{"type":"review","external_id":"review-1","metadata":{"stars":5}}"#
            let first = try await api.send(.post, "/v1/members/m/activities", key: shop.key, json: review)
            #expect(first.status == .created, "\(first.text)")
            #expect(try first.int("points") == 10)
            let again = try await api.send(.post, "/v1/members/m/activities", key: shop.key, json: review)
            #expect(again.status == .ok)
            #expect(try again.int("points") == 10)

            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 2...11 {
                    group.addTask {
                        let response = try await api.send(
                            .post,
                            "/v1/members/m/activities",
                            key: shop.key,
                            json: #"{"type":"review","external_id":"review-\#(index)"}"#
                        )
                        #expect(response.status == .created)
                        return try response.int("points") ?? -1
                    }
                }
                var all: [Int] = []
                for try await points in group { all.append(points) }
                return all
            }
            #expect(results.filter { $0 == 10 }.count == 2)
            #expect(results.filter { $0 == 0 }.count == 8)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 30)

            let over = try await api.send(
                .post,
                "/v1/members/m/activities",
                key: shop.key,
                json: #"{"type":"review","external_id":"review-12"}"#
            )
            #expect(try over.json()["reason"] as? String == "daily_limit_reached")
            let unknown = try await api.send(
                .post,
                "/v1/members/m/activities",
                key: shop.key,
                json: #"{"type":"selfie","external_id":"s-1"}"#
            )
            #expect(unknown.status == .unprocessableContent)
        }
        try await expectAuditClean(shop.tenant)
    }
}
