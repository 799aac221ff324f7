import JifenTestSupport
import Testing

@Suite struct TenantIsolationTests {
    @Test func aTenantCannotReadAnothersMembersOrOrders() async throws {
        let a = try await makeTenant("a")
        let b = try await makeTenant("b")
        try await withAPI { api async throws in
            #expect(
                try await api.send(.post, "/v1/orders", key: a.key, json: orderJSON("a-order", member: "a-member"))
                    .status == .created
            )
            #expect(try await api.send(.get, "/v1/members/a-member", key: a.key).status == .ok)
            #expect(try await api.send(.get, "/v1/orders/a-order", key: a.key).status == .ok)

            let member = try await api.send(.get, "/v1/members/a-member", key: b.key)
            #expect(member.status == .notFound)
            #expect(try member.problemType() == "/problems/not-found")
            #expect(try await api.send(.get, "/v1/orders/a-order", key: b.key).status == .notFound)
            let list = try await api.send(.get, "/v1/members", key: b.key)
            #expect((try list.json()["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theSameExternalIDsLiveSeparatelyPerTenant() async throws {
        let a = try await makeTenant("a")
        let b = try await makeTenant("b")
        try await withAPI { api async throws in
            let first = try await api.send(.post, "/v1/orders", key: a.key, json: orderJSON("shared", amount: 100))
            let second = try await api.send(.post, "/v1/orders", key: b.key, json: orderJSON("shared", amount: 200))
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(try first.json()["id"] as? String != second.json()["id"] as? String)
            #expect(try await api.send(.get, "/v1/orders/shared", key: a.key).json()["amount"] as? Int == 100)
            #expect(try await api.send(.get, "/v1/orders/shared", key: b.key).json()["amount"] as? Int == 200)
        }
    }
}
