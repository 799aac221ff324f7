import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
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

    /// While a request with a key is still running (its transaction holds the key's lock), the
    /// same request is told so and does not run a second time.
    @Test func aRequestStillRunningIsNeverRunTwice() async throws {
        let shop = try await makeTenant()
        let servers = TestServers.shared
        let held = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        // Stands in for a slow first request: the same lock, held in a transaction.
        let holder = Task {
            try await servers.database.withTenant(shop.tenant) { connection in
                try await connection.connection.query(
                    "SELECT pg_advisory_xact_lock(hashtext(\(shop.tenant.description)), hashtext('retry-1'))",
                    logger: servers.logger
                )
                held.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in held.stream { break }
        let headers = key
        try await withAPI { api async throws in
            let busy = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: headers)
            #expect(busy.status == .conflict)
            #expect(try busy.problemType() == "/problems/idempotency-request-in-progress")
            #expect(busy.headers[.retryAfter] != nil)
        }
        #expect(try await servers.count("orders", tenant: shop.tenant) == 0)
        release.continuation.yield()
        try await holder.value
        try await withAPI { api async throws in
            let first = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: headers)
            #expect(first.status == .created)
        }
        #expect(try await servers.count("orders", tenant: shop.tenant) == 1)
    }

    /// The work and its stored answer are one transaction: after a success both exist, and a
    /// refusal by the handler keeps none of the work it began.
    @Test func theAnswerIsStoredWithTheWork() async throws {
        let shop = try await makeTenant()
        let servers = TestServers.shared
        try await withAPI { api async throws in
            let created = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("o-1"), headers: key)
            #expect(created.status == .created)
            // Spending more points than the member has: refused by the handler after it began.
            let refused = try await api.send(
                .post,
                "/v1/members/cust-1/redemptions",
                key: shop.key,
                json: #"{"points":1000000}"#,
                headers: [HTTPField.Name("Idempotency-Key")!: "spend-1"]
            )
            #expect((400..<500).contains(refused.status.code), "\(refused.text)")
        }
        #expect(try await servers.count("orders", tenant: shop.tenant) == 1)
        #expect(try await servers.count("redemptions", tenant: shop.tenant) == 0)
        #expect(try await servers.count("idempotency_keys", tenant: shop.tenant) == 2)
    }
}
