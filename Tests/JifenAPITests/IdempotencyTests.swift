import HTTPTypes
import JifenTestSupport
import Testing

@Suite struct IdempotencyTests {
    let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "retry-1"]

    @Test func aReplayReturnsTheStoredResponse() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let first = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: key)
            let again = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: key)
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(again.text == first.text)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        }
    }

    @Test func reusingAKeyWithAnotherBodyIs422AndWritesNothing() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: key)
            let reused = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-2"), headers: key)
            #expect(reused.status == .unprocessableContent)
            #expect(try reused.problemType() == "/problems/idempotency-key-reused")
        }
        #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 1)
    }

    @Test func keysAreScopedToTheTenant() async throws {
        let a = try await makeTenant("a")
        let b = try await makeTenant("b")
        let headers = key
        let statuses = try await withAPI { api async throws in
            [
                try await api.send(.post, "/v1/orders", key: a.key, json: orderJSON("o-a"), headers: headers).status,
                try await api.send(.post, "/v1/orders", key: b.key, json: orderJSON("o-b"), headers: headers).status,
            ]
        }
        #expect(statuses == [.created, .created])
        #expect(try await TestServers.shared.count("orders", tenant: b.tenant) == 1)
    }

    @Test func validationFailuresAreReplayedToo() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let bad = orderJSON("o-1", currency: "XXX")
            let first = try await api.send(.post, "/v1/orders", key: shop.key, json: bad, headers: key)
            let again = try await api.send(.post, "/v1/orders", key: shop.key, json: bad, headers: key)
            #expect(first.status == .unprocessableContent)
            #expect(again.status == .unprocessableContent)
            #expect(try again.problemType() == "/problems/validation-failed")
        }
    }
}
