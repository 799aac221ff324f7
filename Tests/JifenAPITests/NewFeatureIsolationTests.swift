import Foundation
import JifenTestSupport
import Testing

@testable import JifenAPI

/// The coupons, wallets and journeys of one tenant, addressed with another tenant's key: every
/// read and every change is a 404, and nothing of the first tenant's changes.
@Suite struct NewFeatureIsolationTests {
    @Test func anotherTenantsKeyReachesNoCouponWalletOrJourney() async throws {
        let a = try await makeTenant("a")
        let b = try await makeTenant("b")
        try await withAPI { api async throws in
            let template = try await CouponTests.template(
                #"{"name":"10 off","currency":"CNY","kind":"amount_off","amount":1000,"valid_days":5}"#,
                api: api,
                key: a.key
            )
            let code = try await CouponTests.issue(template, to: "mei", api: api, key: a.key)
            let coupon = try await CouponTests.coupon(code, api: api, key: a.key)
            let topUp = try await WalletTests.topUp("mei", "pay-1", amount: 5_000, api: api, key: a.key)
            let hold = try await WalletTests.hold("mei", amount: 1_000, api: api, key: a.key)
                .decoded(Components.Schemas.WalletHold.self)
            let journey = try await api.send(
                .post,
                "/v1/journeys",
                key: a.key,
                json:
                    #"{"name":"J","entry":{"kind":"segment","filter":{}},"steps":[{"wait_days":0,"action":{"kind":"message","key":"hi"}}]}"#
            ).decoded(Components.Schemas.Journey.self)

            let reads = [
                "/v1/coupon-templates/\(template)", "/v1/coupons/\(code)", "/v1/coupons/\(coupon.id)",
                "/v1/members/mei/coupons", "/v1/members/mei/wallet", "/v1/members/mei/wallet/ledger",
                "/v1/wallet/top-ups/\(topUp.id)", "/v1/wallet/holds/\(hold.id)", "/v1/journeys/\(journey.id)",
                "/v1/journeys/\(journey.id)/results",
            ]
            for path in reads {
                #expect(try await api.send(.get, path, key: b.key).status == .notFound, "GET \(path)")
            }
            let changes = [
                "/v1/coupons/\(coupon.id)/void", "/v1/wallet/top-ups/\(topUp.id)/refund",
                "/v1/wallet/holds/\(hold.id)/capture", "/v1/wallet/holds/\(hold.id)/release",
                "/v1/journeys/\(journey.id)/stop",
            ]
            for path in changes {
                #expect(try await api.send(.post, path, key: b.key).status == .notFound, "POST \(path)")
            }
            let patched = try await api.send(
                .patch,
                "/v1/coupon-templates/\(template)",
                key: b.key,
                json: #"{"enabled":false}"#
            )
            #expect(patched.status == .notFound)
            // B's order cannot use A's coupon or A's wallet hold.
            let foreign = try await api.send(
                .post,
                "/v1/orders",
                key: b.key,
                json:
                    #"{"external_id":"o","member":"mei","currency":"CNY","amount":100,"status":"paid","placed_at":"2026-12-05T08:00:00Z","coupons":["\#(code)"],"wallet_hold":"\#(hold.id)"}"#
            )
            #expect(foreign.status == .unprocessableContent, "\(foreign.text)")
            // A's objects are as they were.
            #expect(try await CouponTests.coupon(code, api: api, key: a.key).state == .issued)
            let held = try await api.send(.get, "/v1/wallet/holds/\(hold.id)", key: a.key)
            #expect(try held.decoded(Components.Schemas.WalletHold.self).state == .held)
            let still = try await api.send(.get, "/v1/journeys/\(journey.id)", key: a.key)
            #expect(try still.decoded(Components.Schemas.Journey.self).state == .active)
            #expect(try await WalletTests.wallet("mei", api: api, key: a.key).held == 1_000)
        }
    }
}
