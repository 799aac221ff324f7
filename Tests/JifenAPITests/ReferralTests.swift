import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// Referrals: attributed once, rewarded when the referee's first order counts, and the fraud
/// rules, each with its reason.
@Suite struct ReferralTests {
    static let program =
        #"{"currency":"CNY","referrals":{"referrer_points":500,"referee_points":200,"max_per_ip_per_day":2}}"#

    func code(_ member: String, api: APIClient, key: String) async throws -> String {
        let body = try await api.send(
            .put,
            "/v1/members/\(member)",
            key: key,
            json: #"{"email":"\#(member)@example.com"}"#
        ).json()
        return try #require(body["referral_code"] as? String)
    }

    func refer(_ code: String, _ referee: String, ip: String? = nil, api: APIClient, key: String) async throws
        -> [String: Any]
    {
        let ipField = ip.map { #","ip":"\#($0)""# } ?? ""
        let response = try await api.send(
            .post,
            "/v1/referrals",
            key: key,
            json: #"{"code":"\#(code)","referee":"\#(referee)"\#(ipField)}"#
        )
        #expect(response.status == .created || response.status == .ok, "\(response.text)")
        return try response.json()
    }

    @Test func bothAreRewardedOnceWhenTheRefereesFirstOrderCounts() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            let code = try await code("alice", api: api, key: shop.key)
            #expect(code.count == 12)
            let referral = try await refer(code.lowercased(), "bob", api: api, key: shop.key)
            #expect(referral["status"] as? String == "pending")
            #expect(referral["referrer"] as? String == "alice")
            // The same attribution again is the same referral; another referrer is a conflict.
            let again = try await api.send(
                .post,
                "/v1/referrals",
                key: shop.key,
                json: #"{"code":"\#(code)","referee":"bob"}"#
            )
            #expect(again.status == .ok)
            #expect(try again.json()["id"] as? String == referral["id"] as? String)
            let carol = try await self.code("carol", api: api, key: shop.key)
            let stolen = try await api.send(
                .post,
                "/v1/referrals",
                key: shop.key,
                json: #"{"code":"\#(carol)","referee":"bob"}"#
            )
            #expect(stolen.status == .conflict)

            try await api.paidOrder("o-1", member: "bob", amount: 10_000, tenant: shop.tenant, key: shop.key)
            // A duplicate job changes nothing.
            try await settle(shop.tenant, order: "o-1")
            #expect(try await api.balance("alice", key: shop.key)["available"] as? Int == 500)
            #expect(try await api.balance("bob", key: shop.key)["available"] as? Int == 100 + 200)
            let list = try await api.send(.get, "/v1/members/alice/referrals", key: shop.key).json()
            let first = try #require((list["data"] as? [[String: Any]])?.first)
            #expect(first["status"] as? String == "rewarded")
            #expect(first["referrer_points"] as? Int == 500 && first["referee_points"] as? Int == 200)
            #expect(try await TierTests.events("referral.rewarded", tenant: shop.tenant).count == 1)
            // A second order rewards nothing more.
            try await api.paidOrder("o-2", member: "bob", amount: 10_000, tenant: shop.tenant, key: shop.key)
            #expect(try await api.balance("alice", key: shop.key)["available"] as? Int == 500)
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func aRefundedFirstOrderRewardsNoOne() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"currency":"CNY","pending_days":14,"referrals":{"referrer_points":500,"referee_points":200}}"#,
                key: shop.key
            )
            let code = try await code("alice", api: api, key: shop.key)
            _ = try await refer(code, "bob", api: api, key: shop.key)
            try await api.paidOrder("o-1", member: "bob", amount: 10_000, tenant: shop.tenant, key: shop.key)
            let refund = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-1","amount":10000}"#
            )
            #expect(refund.status == .created, "\(refund.text)")
            try await runJob(.releasePoints, tenant: shop.tenant, now: Date().addingTimeInterval(15 * 86_400))
            #expect(try await api.balance("alice", key: shop.key)["available"] as? Int == 0)
            let list = try await api.send(.get, "/v1/members/alice/referrals", key: shop.key).json()
            #expect((list["data"] as? [[String: Any]])?.first?["status"] as? String == "pending")
        }
    }

    @Test func eachFraudRuleRejectsWithItsReason() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            let code = try await code("alice", api: api, key: shop.key)
            // The same member.
            #expect(try await refer(code, "alice", api: api, key: shop.key)["reason"] as? String == "self_referral")
            // The same email (any case) or phone (any punctuation).
            try await api.send(.put, "/v1/members/alice2", key: shop.key, json: #"{"email":"ALICE@example.com"}"#)
            #expect(try await refer(code, "alice2", api: api, key: shop.key)["reason"] as? String == "self_referral")
            try await api.send(
                .put,
                "/v1/members/alice",
                key: shop.key,
                json: #"{"email":"alice@example.com","phone":"+86 138-0013-8000"}"#
            )
            try await api.send(.put, "/v1/members/alice3", key: shop.key, json: #"{"phone":"+8613800138000"}"#)
            #expect(try await refer(code, "alice3", api: api, key: shop.key)["reason"] as? String == "self_referral")
            // Already a customer.
            try await api.paidOrder("o-9", member: "dave", amount: 1_000, tenant: shop.tenant, key: shop.key)
            #expect(try await refer(code, "dave", api: api, key: shop.key)["reason"] as? String == "already_customer")
            // Two a day from one IP; the third is rejected.
            #expect(
                try await refer(code, "erin", ip: "203.0.113.9", api: api, key: shop.key)["status"] as? String
                    == "pending"
            )
            #expect(
                try await refer(code, "frank", ip: "203.0.113.9", api: api, key: shop.key)["status"] as? String
                    == "pending"
            )
            #expect(
                try await refer(code, "grace", ip: "203.0.113.9", api: api, key: shop.key)["reason"] as? String
                    == "same_ip_limit"
            )
            #expect(
                try await refer(code, "heidi", ip: "198.51.100.1", api: api, key: shop.key)["status"] as? String
                    == "pending"
            )
            #expect(try await TierTests.events("referral.rejected", tenant: shop.tenant).count == 5)
            // Bad input: unknown code, bad IP.
            let unknown = try await api.send(
                .post,
                "/v1/referrals",
                key: shop.key,
                json: #"{"code":"NOPE","referee":"zed"}"#
            )
            #expect(unknown.status == .unprocessableContent)
            let badIP = try await api.send(
                .post,
                "/v1/referrals",
                key: shop.key,
                json: #"{"code":"\#(code)","referee":"zed","ip":"999.1.1.1"}"#
            )
            #expect(badIP.status == .unprocessableContent)
        }
    }

    @Test func theMonthlyLimitRejectsRewardsBeyondIt() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"currency":"CNY","referrals":{"referrer_points":500,"max_rewards_per_month":1}}"#,
                key: shop.key
            )
            let code = try await code("alice", api: api, key: shop.key)
            _ = try await refer(code, "bob", api: api, key: shop.key)
            _ = try await refer(code, "carl", api: api, key: shop.key)
            try await api.paidOrder("o-1", member: "bob", amount: 10_000, tenant: shop.tenant, key: shop.key)
            try await api.paidOrder("o-2", member: "carl", amount: 10_000, tenant: shop.tenant, key: shop.key)
            #expect(try await api.balance("alice", key: shop.key)["available"] as? Int == 500)
            let list = try await api.send(.get, "/v1/members/alice/referrals", key: shop.key).json()
            let statuses = ((list["data"] as? [[String: Any]]) ?? []).map {
                "\($0["referee"] ?? ""):\($0["status"] ?? ""):\($0["reason"] ?? "-")"
            }
            #expect(statuses.sorted() == ["bob:rewarded:-", "carl:rejected:referrer_monthly_limit"])
        }
    }
}
