import JifenTestSupport
import Testing

@testable import JifenAPI

@Suite struct OrderRecordingTests {
    @Test func theSameOrderPostedFiveTimesAtOnceIsOneOrderAndOneJob() async throws {
        let shop = try await makeTenant()
        let statuses = try await withAPI { api async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        Int(
                            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-concurrent"))
                                .status.code
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(statuses.sorted() == [200, 200, 200, 200, 201])
        let servers = TestServers.shared
        #expect(try await servers.count("orders", tenant: shop.tenant) == 1)
        #expect(try await servers.count("outbox", tenant: shop.tenant) == 1)
        #expect(try await servers.count("members", tenant: shop.tenant) == 1)
    }

    @Test func aLaterStatusUpdatesTheOrderAndQueuesItAgain() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let placed = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("o-1", status: "placed")
            )
            #expect(placed.status == .created)
            let placedOrder = try placed.decoded(Components.Schemas.Order.self)
            #expect(placedOrder.paidAt == nil)

            let paid = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", status: "paid"))
            #expect(paid.status == .ok)
            let paidOrder = try paid.decoded(Components.Schemas.Order.self)
            #expect(paidOrder.status == .paid)
            #expect(paidOrder.paidAt != nil)
            #expect(paidOrder.id == placedOrder.id)

            // A late `placed` webhook changes nothing.
            let stale = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", status: "placed"))
            #expect(stale.status == .ok)
            #expect(try stale.decoded(Components.Schemas.Order.self).status == .paid)
        }
        #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 1)
        #expect(try await TestServers.shared.count("outbox", tenant: shop.tenant) == 2)
    }

    @Test func anOrderCannotMoveToAnotherMemberOrChangeAfterPayment() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", member: "m-1"))
            let moved = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", member: "m-2"))
            #expect(moved.status == .conflict)
            #expect(try moved.problemType() == "/problems/conflict")
            let repriced = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("o-1", member: "m-1", amount: 1)
            )
            #expect(repriced.status == .conflict)
            let stored = try await api.send(.get, "/v1/orders/o-1", key: shop.key)
            #expect(try stored.decoded(Components.Schemas.Order.self).amount == 25_900)
        }
    }

    @Test func anOrderForAnUnknownMemberCreatesTheMember() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.send(.get, "/v1/members/new-member", key: shop.key).status == .notFound)
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1", member: "new-member"))
            let member = try await api.send(.get, "/v1/members/new-member", key: shop.key)
            #expect(member.status == .ok)
            #expect(try member.decoded(Components.Schemas.Member.self).externalId == "new-member")
        }
    }
}
