import Foundation
import JifenCore
import JifenTestSupport
import Testing

/// Order lifecycle: pending points and their release, refunds and cancellations.
@Suite struct RefundTests {
    @Test func refundingThirtyPercentClawsBackThirtyPercentOnceAndTheRestCompletesIt() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key) == 259)
            // 30 % of 259.00 is 77.70: 30 % of 259 points is 77.7, rounded down → 77.
            let refund = #"{"external_id":"r-1","amount":7770}"#
            let first = try await api.send(.post, "/v1/orders/o-1/refunds", key: shop.key, json: refund)
            #expect(first.status == .created, "\(first.text)")
            #expect(try first.int("points_clawed_back") == 77)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 182)

            // The shop's webhook fires again: same refund, nothing more taken.
            let again = try await api.send(.post, "/v1/orders/o-1/refunds", key: shop.key, json: refund)
            #expect(again.status == .ok)
            #expect(try again.int("points_clawed_back") == 77)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 182)
            let changed = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-1","amount":100}"#
            )
            #expect(changed.status == .conflict)

            // More than is left to refund.
            let tooMuch = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-2","amount":18131}"#
            )
            #expect(tooMuch.status == .unprocessableContent)

            // The rest completes the order: everything left (182) comes back, 259 in all.
            let rest = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-2","amount":18130}"#
            )
            #expect(try rest.int("points_clawed_back") == 182)
            let order = try await api.send(.get, "/v1/orders/o-1", key: shop.key).json()
            #expect(order["status"] as? String == "refunded")
            let points = order["points"] as? [String: Any]
            #expect(points?["clawed_back"] as? Int == 259)
            #expect(points?["state"] as? String == "reversed")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 0)

            let refunds = try await api.send(.get, "/v1/orders/o-1/refunds", key: shop.key).json()
            #expect(
                (refunds["data"] as? [[String: Any]])?.compactMap { $0["external_id"] as? String } == ["r-1", "r-2"]
            )
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aRefundIsMeasuredAgainstTheRulesTheOrderEarnedUnder() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(
                try await api.paidOrder("o-1", member: "m", amount: 10_000, tenant: shop.tenant, key: shop.key) == 100
            )
            // The shop now gives 10 points per yuan; the refund still takes back half of 100.
            try await api.putProgram(#"{"earning":{"rate":{"points":10,"per":1}}}"#, key: shop.key)
            let refund = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-1","amount":5000}"#
            )
            #expect(try refund.int("points_clawed_back") == 50)
        }
    }

    @Test func refundingOnlyTheShippingLineTakesNothing() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"earning":{"excluded_categories":["shipping"]}}"#, key: shop.key)
            let lines =
                #"[{"sku":"TEA","quantity":1,"unit_amount":20000},{"sku":"SHIP","category":"shipping","quantity":1,"unit_amount":1000}]"#
            #expect(
                try await api.paidOrder(
                    "o-1",
                    member: "m",
                    amount: 21_000,
                    tenant: shop.tenant,
                    key: shop.key,
                    lines: lines
                ) == 200
            )
            let shipping = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-ship","amount":1000,"lines":[{"sku":"SHIP","quantity":1}]}"#
            )
            #expect(try shipping.int("points_clawed_back") == 0)
            let unknown = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-x","amount":100,"lines":[{"sku":"NOPE","quantity":1}]}"#
            )
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test func aRefundAfterTheOrderPointsWereSpentGoesIntoDebtThatLaterPointsRepay() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key) == 259)
            let hold = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":200}"#)
            let id = try #require(try hold.json()["id"] as? String)
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/capture", key: shop.key).status == .ok)

            let refund = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r","amount":25900}"#
            )
            #expect(try refund.int("points_clawed_back") == 259)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == -200)
            try await expectAuditClean(shop.tenant)

            // The next 300 points repay the 200 first.
            #expect(
                try await api.paidOrder("o-2", member: "m", amount: 30_000, tenant: shop.tenant, key: shop.key) == 300
            )
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 100)
            let settle = try await api.send(.get, "/v1/members/m/ledger?kind=settle", key: shop.key).json()
            #expect((settle["data"] as? [[String: Any]])?.count == 1)
            let lots = try await api.send(.get, "/v1/members/m/lots?state=available", key: shop.key).json()
            let remaining = (lots["data"] as? [[String: Any]] ?? []).compactMap { $0["remaining"] as? Int }
            #expect(remaining.reduce(0, +) == 100)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func stopAtZeroForgivesWhatWasSpent() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"clawback":"stop_at_zero"}"#, key: shop.key)
            #expect(
                try await api.paidOrder("o-1", member: "m", amount: 10_000, tenant: shop.tenant, key: shop.key) == 100
            )
            try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":-80,"reason_code":"correction"}"#
            )
            let cancel = try await api.send(.post, "/v1/orders/o-1/cancel", key: shop.key)
            #expect(cancel.status == .ok)
            let points = try cancel.json()["points"] as? [String: Any]
            #expect(points?["clawed_back"] as? Int == 20)
            #expect(points?["state"] as? String == "reversed")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 0)
            // The order's job runs again after the cancellation: nothing more is taken.
            try await settle(shop.tenant, order: "o-1")
            try await api.paidOrder("o-2", member: "m", amount: 1_000, tenant: shop.tenant, key: shop.key)
            try await settle(shop.tenant, order: "o-1")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 10)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func cancellingBeforePaymentAwardsNothingAndAfterPaymentReverses() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("o-1", member: "m", status: "placed")
            )
            let cancelled = try await api.send(.post, "/v1/orders/o-1/cancel", key: shop.key)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json()["status"] as? String == "cancelled")
            // The job the cancellation queued finds nothing to award.
            #expect(try await settle(shop.tenant, order: "o-1")?.award == nil)
            #expect(try await api.balance("m", key: shop.key)["lifetime_earned"] as? Int == 0)
            #expect(try await api.send(.post, "/v1/orders/o-1/cancel", key: shop.key).status == .ok)
            let refundCancelled = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r","amount":1}"#
            )
            #expect(refundCancelled.status == .conflict)

            #expect(try await api.paidOrder("o-2", member: "m", tenant: shop.tenant, key: shop.key) == 259)
            let reversed = try await api.send(.post, "/v1/orders/o-2/cancel", key: shop.key).json()
            #expect((reversed["points"] as? [String: Any])?["state"] as? String == "reversed")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 0)
            #expect(try await api.send(.post, "/v1/orders/nope/cancel", key: shop.key).status == .notFound)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aRefundBeforeTheWorkerScoredTheOrderScoresItFirst() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", member: "m"))
            let refund = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r","amount":12950}"#
            )
            #expect(try refund.int("points_clawed_back") == 129)
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 130)
            // The worker's job arrives late and changes nothing.
            let late = try await settle(shop.tenant, order: "o-1")
            #expect(late?.award == nil && late?.clawedBack == 0)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func pendingPointsAreReleasedWhenTheReturnWindowPasses() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"pending_days":7}"#, key: shop.key)
            #expect(try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key) == 259)
            var balance = try await api.balance("m", key: shop.key)
            #expect(balance["pending"] as? Int == 259)
            #expect(balance["available"] as? Int == 0)
            // Pending points cannot be spent.
            let early = try await api.send(.post, "/v1/members/m/redemptions", key: shop.key, json: #"{"points":10}"#)
            #expect(try early.problemType() == "/problems/insufficient-points")

            try await runJob(.releasePoints, tenant: shop.tenant, now: now.addingTimeInterval(6 * 86_400))
            #expect(try await api.balance("m", key: shop.key)["pending"] as? Int == 259)

            try await runJob(.releasePoints, tenant: shop.tenant, now: now.addingTimeInterval(8 * 86_400))
            balance = try await api.balance("m", key: shop.key)
            #expect(balance["pending"] as? Int == 0)
            #expect(balance["available"] as? Int == 259)
            let order = try await api.send(.get, "/v1/orders/o-1", key: shop.key).json()
            #expect((order["points"] as? [String: Any])?["state"] as? String == "available")
            // Released once, however often the job runs.
            try await runJob(.releasePoints, tenant: shop.tenant, now: now.addingTimeInterval(9 * 86_400))
            let releases = try await api.send(.get, "/v1/members/m/ledger?kind=release", key: shop.key).json()
            #expect((releases["data"] as? [[String: Any]])?.count == 1)
        }
        let events = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            var types: [String] = []
            for try await type in try await connection.connection.query(
                "SELECT type FROM domain_events ORDER BY sequence",
                logger: TestServers.shared.logger
            ).decode(String.self) { types.append(type) }
            return types
        }
        #expect(events == ["points.pending", "points.released"])
        try await expectAuditClean(shop.tenant)
    }

    @Test func aPartialRefundOfPendingPointsTakesThemFromThePendingLot() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"pending_days":30}"#, key: shop.key)
            #expect(
                try await api.paidOrder("o-1", member: "m", amount: 10_000, tenant: shop.tenant, key: shop.key) == 100
            )
            let refund = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r","amount":2500}"#
            )
            #expect(try refund.int("points_clawed_back") == 25)
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["pending"] as? Int == 75)
            #expect(balance["available"] as? Int == 0)
        }
        try await expectAuditClean(shop.tenant)
    }
}
