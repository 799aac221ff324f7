import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@testable import JifenAPI

/// What a shop sees of scoring through the API: the order's points, the member's balance and
/// ledger. Scoring runs here by calling the store, as the `order.score` job does.
@Suite struct PointsTests {

    @Test func aScoredOrderShowsOnTheOrderTheMemberAndTheLedger() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let recorded = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", member: "m-1"))
            let before = try recorded.decoded(Components.Schemas.Order.self).points
            #expect(before.state == .unscored)
            #expect(before.earned == 0)

            #expect(try await settle(shop.tenant, order: "o-1")?.award?.points == 259)
            #expect(try await settle(shop.tenant, order: "o-1")?.award == nil)

            let order = try await api.send(.get, "/v1/orders/o-1", key: shop.key)
            let points = try order.decoded(Components.Schemas.Order.self).points
            #expect(points.earned == 259)
            #expect(points.state == .available)

            let member = try await api.send(.get, "/v1/members/m-1", key: shop.key)
            let balance = try member.decoded(Components.Schemas.Member.self).balance
            #expect(balance.available == 259)
            #expect(balance.pending == 0)
            #expect(balance.lifetimeEarned == 259)

            let ledger = try await api.send(.get, "/v1/members/m-1/ledger", key: shop.key)
            let entries = try ledger.decoded(Components.Schemas.LedgerPage.self).data
            #expect(entries.count == 1)
            #expect(entries.first?.kind == .earn)
            #expect(entries.first?.availableDelta == 259)
            #expect(entries.first?.order == "o-1")
        }
    }

    @Test func unpaidOrdersEarnNothingUntilPaid() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", status: "placed"))
            #expect(try await settle(shop.tenant, order: "o-1")?.award == nil)
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", status: "paid"))
            #expect(try await settle(shop.tenant, order: "o-1")?.award?.points == 259)
        }
    }

    @Test func ledgerPagesNewestFirstAndIsolatedByTenant() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            for index in 1...3 {
                try await api.send(
                    .post,
                    "/v1/orders",
                    key: shop.key,
                    json: orderJSON("o-\(index)", member: "m-1", amount: Int64(index) * 100)
                )
                _ = try await settle(shop.tenant, order: "o-\(index)")
            }
            let first = try await api.send(.get, "/v1/members/m-1/ledger?limit=2", key: shop.key)
                .decoded(Components.Schemas.LedgerPage.self)
            let cursor = try #require(first.nextCursor)
            let second = try await api.send(.get, "/v1/members/m-1/ledger?limit=2&cursor=\(cursor)", key: shop.key)
                .decoded(Components.Schemas.LedgerPage.self)
            #expect((first.data + second.data).compactMap(\.order) == ["o-3", "o-2", "o-1"])
            #expect(second.nextCursor == nil)

            #expect(try await api.send(.get, "/v1/members/m-1/ledger", key: other.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/members/nobody/ledger", key: shop.key).status == .notFound)
        }
    }

    @Test func theLedgerCannotBeRewritten() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"))
        }
        _ = try await settle(shop.tenant, order: "o-1")
        await #expect(throws: (any Error).self) {
            try await TestServers.shared.database.withTenant(shop.tenant) { connection in
                try await connection.connection.query(
                    "UPDATE ledger_entries SET available_delta = 1000000",
                    logger: TestServers.shared.logger
                )
            }
        }
        await #expect(throws: (any Error).self) {
            try await TestServers.shared.database.withTenant(shop.tenant) { connection in
                try await connection.connection.query("DELETE FROM ledger_entries", logger: TestServers.shared.logger)
            }
        }
        let audit = try await LedgerAudit(database: TestServers.shared.database).run(tenants: [shop.tenant])
        #expect(audit.violations.isEmpty)
    }
}
