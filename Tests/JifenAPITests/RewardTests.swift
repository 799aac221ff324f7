import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@Suite struct RewardTests {
    let idempotencyKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "claim-1"]

    @Test func theCatalogueIsCreatedListedNewestFirstFilteredByActiveAndPatched() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let tea = try await api.createReward(
                #"{"name":"Tea sampler","points_cost":500,"stock":10,"per_member_limit":2,"external_id":"GIFT-TEA-6"}"#,
                key: shop.key
            )
            let later = try await api.createReward(
                #"{"name":"New year box","points_cost":900,"available_from":"2099-01-01T00:00:00Z"}"#,
                key: shop.key
            )
            let wrap = try await api.createReward(#"{"name":"Gift wrapping","points_cost":50}"#, key: shop.key)
            let read = try await api.send(.get, "/v1/rewards/\(tea)", key: shop.key).json()
            #expect(read["external_id"] as? String == "GIFT-TEA-6")
            #expect(read["stock"] as? Int == 10)
            #expect(read["claimed"] as? Int == 0)
            #expect(read["active"] as? Bool == true)

            let all = try await api.send(.get, "/v1/rewards?limit=2", key: shop.key).json()
            #expect((all["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [wrap, later])
            let cursor = try #require(all["next_cursor"] as? String)
            let rest = try await api.send(.get, "/v1/rewards?limit=2&cursor=\(cursor)", key: shop.key).json()
            #expect((rest["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [tea])
            #expect(rest["next_cursor"] == nil)
            let active = try await api.send(.get, "/v1/rewards?active=true", key: shop.key).json()
            #expect((active["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [wrap, tea])

            // Restocking adds to what is left; stock 0 is not active; unlimited has no stock.
            var patched = try await api.send(.patch, "/v1/rewards/\(tea)", key: shop.key, json: #"{"add_stock":5}"#)
            #expect(try patched.json()["stock"] as? Int == 15, "\(patched.text)")
            patched = try await api.send(
                .patch,
                "/v1/rewards/\(tea)",
                key: shop.key,
                json: #"{"stock":0,"name":"Tea"}"#
            )
            #expect(try patched.json()["stock"] as? Int == 0)
            #expect(try patched.json()["name"] as? String == "Tea")
            #expect(try patched.json()["active"] as? Bool == false)
            let taken = try await api.send(.patch, "/v1/rewards/\(tea)", key: shop.key, json: #"{"add_stock":-1}"#)
            #expect(taken.status == .conflict)
            patched = try await api.send(
                .patch,
                "/v1/rewards/\(tea)",
                key: shop.key,
                json: #"{"unlimited_stock":true,"description":"Six teas"}"#
            )
            #expect(try patched.json()["stock"] == nil)
            #expect(try patched.json()["description"] as? String == "Six teas")
            patched = try await api.send(.patch, "/v1/rewards/\(wrap)", key: shop.key, json: #"{"enabled":false}"#)
            #expect(try patched.json()["active"] as? Bool == false)
            let onlyActive = try await api.send(.get, "/v1/rewards?active=true", key: shop.key).json()
            #expect((onlyActive["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [tea])

            // Bad input: named fields; a taken external_id; an unknown reward.
            let invalid = try await api.send(
                .post,
                "/v1/rewards",
                key: shop.key,
                json:
                    #"{"name":"x","points_cost":0,"available_from":"2027-01-02T00:00:00Z","available_until":"2027-01-01T00:00:00Z"}"#
            )
            // The spec's bounds first, then the rules between fields.
            #expect(invalid.status == .unprocessableContent, "\(invalid.text)")
            let invalidProblems = try invalid.json()["errors"] as? [[String: Any]]
            let fields: [String] = invalidProblems?.compactMap { $0["field"] as? String } ?? []
            #expect(fields == ["points_cost"])
            let misordered = try await api.send(
                .post,
                "/v1/rewards",
                key: shop.key,
                json:
                    #"{"name":"x","points_cost":1,"available_from":"2027-01-02T00:00:00Z","available_until":"2027-01-01T00:00:00Z"}"#
            )
            #expect(misordered.status == .unprocessableContent, "\(misordered.text)")
            let problems = try misordered.json()["errors"] as? [[String: Any]]
            let window: [String] = problems?.compactMap { $0["field"] as? String } ?? []
            #expect(window == ["available_until"])
            let twoWays = try await api.send(
                .patch,
                "/v1/rewards/\(tea)",
                key: shop.key,
                json: #"{"stock":1,"add_stock":1}"#
            )
            #expect(twoWays.status == .unprocessableContent)
            let backwards = try await api.send(
                .patch,
                "/v1/rewards/\(later)",
                key: shop.key,
                json: #"{"available_until":"2098-01-01T00:00:00Z"}"#
            )
            #expect(backwards.status == .unprocessableContent, "\(backwards.text)")
            let duplicate = try await api.send(
                .post,
                "/v1/rewards",
                key: shop.key,
                json: #"{"name":"Another","points_cost":1,"external_id":"GIFT-TEA-6"}"#
            )
            #expect(duplicate.status == .conflict)
            #expect(try await api.send(.get, "/v1/rewards/\(UUID())", key: shop.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/rewards/GIFT-TEA-6", key: shop.key).status == .notFound)
        }
    }

    @Test func aClaimRedeemsThroughACapturedRedemptionAndTakesStock() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "m", amount: 5_000, tenant: shop.tenant, key: shop.key)
            try await api.paidOrder("o-2", member: "m", amount: 5_000, tenant: shop.tenant, key: shop.key)
            let reward = try await api.createReward(
                #"{"name":"Tea sampler","points_cost":30,"stock":10,"external_id":"GIFT-TEA-6"}"#,
                key: shop.key
            )
            let claim = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: shop.key,
                json: #"{"reward":"\#(reward)","quantity":2}"#
            )
            #expect(claim.status == .created, "\(claim.text)")
            let body = try claim.json()
            #expect(body["points"] as? Int == 60)
            #expect(body["quantity"] as? Int == 2)
            #expect(body["member"] as? String == "m")
            #expect(body["reward_external_id"] as? String == "GIFT-TEA-6")
            let redemptionID = try #require(body["redemption"] as? String)

            // The points were redeemed like a captured hold: first lots first, spent.
            let redemption = try await api.send(.get, "/v1/redemptions/\(redemptionID)", key: shop.key).json()
            #expect(redemption["state"] as? String == "captured")
            #expect(redemption["points"] as? Int == 60)
            let taken = (redemption["lots"] as? [[String: Any]] ?? []).compactMap { $0["points"] as? Int }
            #expect(taken.sorted() == [10, 50])
            let balance = try await api.balance("m", key: shop.key)
            #expect(balance["available"] as? Int == 40)
            #expect(balance["held"] as? Int == 0)
            #expect(balance["lifetime_redeemed"] as? Int == 60)
            let lots = try await api.send(.get, "/v1/members/m/lots", key: shop.key).json()
            #expect((lots["data"] as? [[String: Any]] ?? []).compactMap { $0["remaining"] as? Int }.reduce(0, +) == 40)
            let ledger = try await api.send(.get, "/v1/members/m/ledger?limit=2", key: shop.key).json()
            let entries = ledger["data"] as? [[String: Any]] ?? []
            #expect(entries.compactMap { $0["kind"] as? String } == ["redeem", "hold"])
            #expect(entries.allSatisfy { $0["source"] as? String == "redemption" })

            let after = try await api.send(.get, "/v1/rewards/\(reward)", key: shop.key).json()
            #expect(after["stock"] as? Int == 8)
            #expect(after["claimed"] as? Int == 2)
            let listed = try await api.send(.get, "/v1/members/m/reward-claims", key: shop.key).json()
            let claimID = try #require(body["id"] as? String)
            #expect((listed["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [claimID])
            #expect(try await api.send(.get, "/v1/members/nobody/reward-claims", key: shop.key).status == .notFound)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func stockOfFiveAndTwentyConcurrentClaimsExactlyFiveSucceed() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            for i in 0..<20 {
                try await api.send(.put, "/v1/members/m-\(i)", key: shop.key, json: "{}")
                let grant = try await api.send(
                    .post,
                    "/v1/members/m-\(i)/adjustments",
                    key: shop.key,
                    json: #"{"points":100,"reason_code":"goodwill"}"#
                )
                #expect(grant.status == .created, "\(grant.text)")
            }
            let reward = try await api.createReward(
                #"{"name":"Limited mug","points_cost":40,"stock":5}"#,
                key: shop.key
            )
            let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let response = try await api.send(
                            .post,
                            "/v1/members/m-\(i)/reward-claims",
                            key: shop.key,
                            json: #"{"reward":"\#(reward)"}"#
                        )
                        return (response.status.code, response.status == .created ? nil : try response.problemType())
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.filter { $0.0 == 201 }.count == 5)
            #expect(results.filter { $0.0 == 409 && $0.1 == "/problems/out-of-stock" }.count == 15, "\(results)")
            let after = try await api.send(.get, "/v1/rewards/\(reward)", key: shop.key).json()
            #expect(after["stock"] as? Int == 0)
            #expect(after["claimed"] as? Int == 5)
            var spent = 0
            for i in 0..<20 {
                spent += 100 - (try await api.balance("m-\(i)", key: shop.key)["available"] as? Int ?? 0)
            }
            #expect(spent == 5 * 40)
        }
        #expect(try await TestServers.shared.count("reward_claims", tenant: shop.tenant) == 5)
        #expect(try await TestServers.shared.count("redemptions", tenant: shop.tenant) == 5)
        try await expectAuditClean(shop.tenant)
    }

    @Test func tooFewPointsIs422AndChangesNothing() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "m", amount: 5_000, tenant: shop.tenant, key: shop.key)
            let reward = try await api.createReward(#"{"name":"Teapot","points_cost":51,"stock":3}"#, key: shop.key)
            let claim = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: shop.key,
                json: #"{"reward":"\#(reward)"}"#
            )
            #expect(claim.status == .unprocessableContent)
            #expect(try claim.problemType() == "/problems/insufficient-points")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 50)
            #expect(try await api.send(.get, "/v1/rewards/\(reward)", key: shop.key).json()["stock"] as? Int == 3)
        }
        #expect(try await TestServers.shared.count("reward_claims", tenant: shop.tenant) == 0)
        try await expectAuditClean(shop.tenant)
    }

    @Test func outsideTheWindowOrDisabledIs409() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let future = try await api.createReward(
                #"{"name":"Spring box","points_cost":10,"available_from":"2099-03-01T00:00:00Z"}"#,
                key: shop.key
            )
            let past = try await api.createReward(
                #"{"name":"Autumn box","points_cost":10,"available_until":"2020-11-01T00:00:00Z"}"#,
                key: shop.key
            )
            let off = try await api.createReward(#"{"name":"Hidden","points_cost":10,"enabled":false}"#, key: shop.key)
            for reward in [future, past, off] {
                let claim = try await api.send(
                    .post,
                    "/v1/members/m/reward-claims",
                    key: shop.key,
                    json: #"{"reward":"\#(reward)"}"#
                )
                #expect(claim.status == .conflict, "\(claim.text)")
                #expect(try claim.problemType() == "/problems/conflict")
            }
            // Opening the window and enabling make them claimable.
            let opened = try await api.send(
                .patch,
                "/v1/rewards/\(future)",
                key: shop.key,
                json: #"{"available_from":"2020-01-01T00:00:00Z"}"#
            )
            #expect(try opened.json()["active"] as? Bool == true, "\(opened.text)")
            try await api.send(.patch, "/v1/rewards/\(off)", key: shop.key, json: #"{"enabled":true}"#)
            for reward in [future, off] {
                let claim = try await api.send(
                    .post,
                    "/v1/members/m/reward-claims",
                    key: shop.key,
                    json: #"{"reward":"\#(reward)"}"#
                )
                #expect(claim.status == .created, "\(claim.text)")
            }
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 239)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func thePerMemberLimitCountsUnitsPerMember() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "a", tenant: shop.tenant, key: shop.key)
            try await api.paidOrder("o-2", member: "b", tenant: shop.tenant, key: shop.key)
            let reward = try await api.createReward(
                #"{"name":"Sample","points_cost":5,"per_member_limit":2}"#,
                key: shop.key
            )
            let claim = { (member: String, quantity: Int) async throws -> TestResponse in
                try await api.send(
                    .post,
                    "/v1/members/\(member)/reward-claims",
                    key: shop.key,
                    json: #"{"reward":"\#(reward)","quantity":\#(quantity)}"#
                )
            }
            #expect(try await claim("a", 3).status == .conflict)
            #expect(try await claim("a", 2).status == .created)
            let over = try await claim("a", 1)
            #expect(over.status == .conflict)
            #expect(try over.problemType() == "/problems/conflict")
            #expect(try await claim("b", 1).status == .created)
            #expect(try await claim("b", 1).status == .created)
            #expect(try await api.balance("a", key: shop.key)["available"] as? Int == 249)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aClaimRetriedWithTheSameIdempotencyKeyClaimsOnce() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let reward = try await api.createReward(#"{"name":"Mug","points_cost":100,"stock":5}"#, key: shop.key)
            let json = #"{"reward":"\#(reward)"}"#
            let first = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: shop.key,
                json: json,
                headers: idempotencyKey
            )
            let again = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: shop.key,
                json: json,
                headers: idempotencyKey
            )
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(again.text == first.text)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 159)
            #expect(try await api.send(.get, "/v1/rewards/\(reward)", key: shop.key).json()["stock"] as? Int == 4)
        }
        #expect(try await TestServers.shared.count("reward_claims", tenant: shop.tenant) == 1)
        try await expectAuditClean(shop.tenant)
    }

    @Test func anotherTenantCannotSeeOrClaimTheReward() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant("another shop")
        try await withAPI { api async throws in
            let reward = try await api.createReward(#"{"name":"Mug","points_cost":1,"stock":5}"#, key: shop.key)
            try await api.paidOrder("o-1", member: "m", tenant: other.tenant, key: other.key)
            #expect(try await api.send(.get, "/v1/rewards/\(reward)", key: other.key).status == .notFound)
            let patch = try await api.send(.patch, "/v1/rewards/\(reward)", key: other.key, json: #"{"stock":99}"#)
            #expect(patch.status == .notFound)
            let listed = try await api.send(.get, "/v1/rewards", key: other.key).json()
            #expect((listed["data"] as? [[String: Any]])?.isEmpty == true)
            let claim = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: other.key,
                json: #"{"reward":"\#(reward)"}"#
            )
            #expect(claim.status == .notFound)
            let notAnID = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: other.key,
                json: #"{"reward":"GIFT-1","quantity":0}"#
            )
            #expect(notAnID.status == .unprocessableContent)
            let fields = (try notAnID.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["reward", "quantity"])
            #expect(try await api.send(.get, "/v1/rewards/\(reward)", key: shop.key).json()["stock"] as? Int == 5)
            #expect(try await api.balance("m", key: other.key)["available"] as? Int == 259)
        }
    }

    @Test func aClaimRecordsRewardClaimedForTheWebhooks() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let endpoint = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: #"{"url":"http://127.0.0.1:1/hook","event_types":["reward.claimed"]}"#
            )
            #expect(endpoint.status == .created, "\(endpoint.text)")
            try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key)
            let reward = try await api.createReward(
                #"{"name":"Mug","points_cost":100,"external_id":"MUG-1"}"#,
                key: shop.key
            )
            let claim = try await api.send(
                .post,
                "/v1/members/m/reward-claims",
                key: shop.key,
                json: #"{"reward":"\#(reward)"}"#
            )
            #expect(claim.status == .created, "\(claim.text)")
        }
        try await runJob(.fanOutEvents, tenant: shop.tenant, now: Date())
        let deliveries = try await TestServers.shared.database.withTenant(shop.tenant) {
            try await $0.deliveries(filter: DeliveryFilter(), limit: try PageLimit(50), after: nil).items
        }
        // Subscribed to reward.claimed only: points.earned and points.redeemed are not sent.
        #expect(deliveries.map(\.eventType) == ["reward.claimed"])
        let payload = try #require(deliveries.first?.payload)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        let data = try #require(body["data"] as? [String: Any])
        #expect(body["type"] as? String == "reward.claimed")
        #expect(data["member"] as? String == "m")
        #expect(data["reward"] as? String != nil)
        #expect(data["reward_external_id"] as? String == "MUG-1")
        #expect(data["points"] as? Int == 100)
        #expect(data["quantity"] as? Int == 1)
        // The claim's points.redeemed names the claim.
        let redeemed = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            try await connection.connection.query(
                "SELECT data->>'reward_claim' FROM domain_events WHERE type = 'points.redeemed'",
                logger: TestServers.shared.logger
            ).decode(String?.self).first(where: { _ in true })
        }
        #expect(redeemed != nil)
    }
}

extension APIClient {
    /// Creates a reward and returns its id.
    func createReward(_ json: String, key: String) async throws -> String {
        let response = try await send(.post, "/v1/rewards", key: key, json: json)
        #expect(response.status == .created, "\(response.text)")
        return try #require(try response.json()["id"] as? String)
    }
}
