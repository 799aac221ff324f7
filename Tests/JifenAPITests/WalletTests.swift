import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import Testing

@testable import JifenAPI

/// Stored value end to end through the router and the workers' handlers, against the real
/// PostgreSQL: top-ups with the seed's offers and the calendar moved, spending, refunds of
/// top-ups and of orders, concurrent holds, expiry, webhooks, and a random sequence against the
/// audit.
@Suite struct WalletTests {
    /// The seed's offers: "top up 500, get 500 more, 50 a week for 10 weeks" and "top up 200, get
    /// 200, 40 a month for 5 months".
    static func program(policy: String = "deduct_spent_bonus", expiresDays: Int? = nil) -> String {
        let expiry = expiresDays.map { #","bonus_expires_days":\#($0)"# } ?? ""
        return #"""
            {"currency":"CNY","time_zone":"Asia/Shanghai","wallet":{"spending_order":"bonus_first","refund_policy":"\#(policy)",
             "offers":[{"code":"500-plus-500","minimum_amount":50000,"bonus":50000,"installments":10,"period":"week"\#(expiry)},
                       {"code":"200-plus-200","minimum_amount":20000,"bonus":20000,"installments":5,"period":"month"\#(expiry)}]}}
            """#
    }

    static func topUp(_ member: String, _ payment: String, amount: Int64, api: APIClient, key: String) async throws
        -> Components.Schemas.WalletTopUp
    {
        let response = try await api.send(
            .post,
            "/v1/members/\(member)/wallet/top-ups",
            key: key,
            json: #"{"external_id":"\#(payment)","currency":"CNY","amount":\#(amount)}"#
        )
        #expect(response.status == .created || response.status == .ok, "\(response.text)")
        return try response.decoded(Components.Schemas.WalletTopUp.self)
    }

    static func wallet(_ member: String, api: APIClient, key: String) async throws -> Components.Schemas.Wallet {
        let wallets = try await api.send(.get, "/v1/members/\(member)/wallet", key: key)
            .decoded(Components.Schemas.MemberWallets.self)
        return try #require(wallets.wallets.first { $0.currency == "CNY" })
    }

    static func hold(_ member: String, amount: Int64, api: APIClient, key: String, reference: String? = nil)
        async throws -> TestResponse
    {
        let ref = reference.map { #","order_reference":"\#($0)""# } ?? ""
        return try await api.send(
            .post,
            "/v1/members/\(member)/wallet/holds",
            key: key,
            json: #"{"currency":"CNY","amount":\#(amount)\#(ref)}"#
        )
    }

    @Test func theSeedsOffersPayTheirInstallmentsWithTheCalendarMoved() async throws {
        let shop = try await makeTenant()
        let start = Date()
        try await withAPI { api async throws in
            #expect(try await api.putProgram(Self.program(), key: shop.key).status == .ok)
            let big = try await Self.topUp("mei", "pay-500", amount: 50_000, api: api, key: shop.key)
            #expect(big.offer?.code == "500-plus-500" && big.bonusTotal == 50_000)
            #expect(big.installments.map(\.amount) == Array(repeating: 5_000, count: 10))
            #expect(big.installments.map(\.state) == [.paid] + Array(repeating: .upcoming, count: 9))
            // Weekly from the top-up.
            let gaps = zip(big.installments.dropFirst(), big.installments).map { $0.dueAt.timeIntervalSince($1.dueAt) }
            #expect(gaps.allSatisfy { $0 == 7 * 86_400 })
            // The same payment again is the same top-up; another amount under its id is a conflict.
            #expect(try await Self.topUp("mei", "pay-500", amount: 50_000, api: api, key: shop.key).id == big.id)
            let clash = try await api.send(
                .post,
                "/v1/members/mei/wallet/top-ups",
                key: shop.key,
                json: #"{"external_id":"pay-500","currency":"CNY","amount":100}"#
            )
            #expect(clash.status == .conflict)
            var mei = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(mei.principal == 50_000 && mei.bonus == 5_000 && mei.upcoming.count == 9)

            let small = try await Self.topUp("li", "pay-200", amount: 20_000, api: api, key: shop.key)
            #expect(small.offer?.code == "200-plus-200")
            #expect(small.installments.map(\.amount) == Array(repeating: 4_000, count: 5))
            // Monthly, by the calendar of Shanghai.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
            for (n, installment) in small.installments.enumerated() {
                #expect(installment.dueAt == calendar.date(byAdding: .month, value: n, to: small.installments[0].dueAt))
            }
            // Below every offer: no bonus.
            let plain = try await Self.topUp("wu", "pay-10", amount: 1_000, api: api, key: shop.key)
            #expect(plain.offer == nil && plain.installments.isEmpty)

            // A week later the second installment; spend between installments (bonus first).
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(7 * 86_400 + 60))
            mei = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(mei.bonus == 10_000)
            let hold = try await Self.hold("mei", amount: 12_000, api: api, key: shop.key, reference: "3001")
            #expect(hold.status == .created, "\(hold.text)")
            let held = try hold.decoded(Components.Schemas.WalletHold.self)
            #expect(held.fromBonus == 10_000 && held.fromPrincipal == 2_000)
            let captured = try await api.send(.post, "/v1/wallet/holds/\(held.id)/capture", key: shop.key)
            #expect(try captured.decoded(Components.Schemas.WalletHold.self).state == .captured)
            mei = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(mei.principal == 48_000 && mei.bonus == 0 && mei.held == 0 && mei.lifetimeSpent == 12_000)

            // Ten weeks on: every installment paid once, however often the sweep runs.
            for week in 2...10 {
                try await runJob(
                    .sweepWallets,
                    tenant: shop.tenant,
                    now: start.addingTimeInterval(Double(week * 7) * 86_400)
                )
            }
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(80 * 86_400))
            mei = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(mei.bonus == 40_000 && mei.lifetimeBonus == 50_000 && mei.upcoming.isEmpty)
            let li = try await Self.wallet("li", api: api, key: shop.key)
            // Five months have not passed by day 80: three of li's installments are paid.
            #expect(li.bonus == 12_000 && li.upcoming.count == 2)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(200 * 86_400))
            #expect(try await Self.wallet("li", api: api, key: shop.key).bonus == 20_000)
            let ledger = try await api.send(.get, "/v1/members/mei/wallet/ledger?limit=100", key: shop.key)
                .decoded(Components.Schemas.WalletEntryPage.self)
            #expect(ledger.data.filter { $0.kind == .bonus }.count == 10)
            #expect(ledger.data.map(\.principalDelta).reduce(0, +) == mei.principal)
            #expect(ledger.data.map(\.bonusDelta).reduce(0, +) == mei.bonus)
        }
        try await expectAuditClean(shop.tenant)
        #expect(try await TierTests.events("wallet.bonus_paid", tenant: shop.tenant).count == 15)
    }

    @Test(arguments: ["deduct_spent_bonus", "forgive"])
    func aTopUpRefundedAfterThreeInstallmentsFollowsThePolicy(policy: String) async throws {
        let shop = try await makeTenant()
        let start = Date()
        try await withAPI { api async throws in
            #expect(try await api.putProgram(Self.program(policy: policy), key: shop.key).status == .ok)
            let topUp = try await Self.topUp("mei", "pay-1", amount: 50_000, api: api, key: shop.key)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(14 * 86_400 + 60))
            // Three installments (15000 of bonus); 8000 spent, all from the bonus.
            let hold = try await Self.hold("mei", amount: 8_000, api: api, key: shop.key)
            let id = try hold.decoded(Components.Schemas.WalletHold.self).id
            #expect(try await api.send(.post, "/v1/wallet/holds/\(id)/capture", key: shop.key).status == .ok)
            let refunded = try await api.send(.post, "/v1/wallet/top-ups/\(topUp.id)/refund", key: shop.key)
            #expect(refunded.status == .ok, "\(refunded.text)")
            let body = try refunded.decoded(Components.Schemas.WalletTopUp.self)
            let refund = try #require(body.refund)
            #expect(body.state == .refunded)
            #expect(refund.principalRemoved == 50_000 && refund.bonusRemoved == 7_000)
            if policy == "deduct_spent_bonus" {
                #expect(refund.returnedToMember == 42_000 && refund.spentBonusDeducted == 8_000)
                #expect(refund.spentBonusForgiven == 0)
            } else {
                #expect(refund.returnedToMember == 50_000 && refund.spentBonusForgiven == 8_000)
                #expect(refund.spentBonusDeducted == 0)
            }
            #expect(body.installments.filter { $0.state == .cancelled }.count == 7)
            // Again: the same answer; no installment is paid any more.
            let again = try await api.send(.post, "/v1/wallet/top-ups/\(topUp.id)/refund", key: shop.key)
            #expect(try again.decoded(Components.Schemas.WalletTopUp.self).refund == refund)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(100 * 86_400))
            let wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.principal == 0 && wallet.bonus == 0 && wallet.upcoming.isEmpty)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func fiftyConcurrentHoldsAgainstABalanceForTenSucceedTenTimes() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            _ = try await Self.topUp("mei", "pay-1", amount: 10_000, api: api, key: shop.key)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        Int(try await Self.hold("mei", amount: 1_000, api: api, key: shop.key).status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 10, "\(statuses)")
            #expect(statuses.filter { $0 == 422 }.count == 40, "\(statuses)")
            let wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.principal == 0 && wallet.held == 10_000)
            let refused = try await Self.hold("mei", amount: 1, api: api, key: shop.key)
            #expect(try refused.problemType() == "/problems/insufficient-funds")
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func anOrderPaidFromTheWalletGivesItsShareBackToThePartsOnRefund() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(try await api.putProgram(Self.program(), key: shop.key).status == .ok)
            _ = try await Self.topUp("mei", "pay-1", amount: 20_000, api: api, key: shop.key)  // + 4000 bonus
            let hold = try await Self.hold("mei", amount: 8_000, api: api, key: shop.key, reference: "o-1")
            let held = try hold.decoded(Components.Schemas.WalletHold.self)
            #expect(held.fromBonus == 4_000 && held.fromPrincipal == 4_000)
            let order =
                #"{"external_id":"o-1","member":"mei","currency":"CNY","amount":20000,"status":"paid","placed_at":"2026-12-05T08:00:00Z","wallet_hold":"\#(held.id)"}"#
            let recorded = try await api.send(.post, "/v1/orders", key: shop.key, json: order)
            #expect(recorded.status == .created, "\(recorded.text)")
            #expect(try recorded.json()["wallet_hold"] as? String == held.id)
            var wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.principal == 16_000 && wallet.bonus == 0 && wallet.held == 0)
            // Half the order refunded: half of what the wallet paid comes back, the last spent
            // (principal) first.
            let half = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-1","amount":10000}"#
            )
            #expect(half.status == .created, "\(half.text)")
            wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.principal == 20_000 && wallet.bonus == 0)
            // The rest: all of it is back, each part where it was.
            let rest = try await api.send(
                .post,
                "/v1/orders/o-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r-2","amount":10000}"#
            )
            #expect(rest.status == .created, "\(rest.text)")
            wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.principal == 20_000 && wallet.bonus == 4_000 && wallet.lifetimeSpent == 0)
            let returned = try await api.send(.get, "/v1/wallet/holds/\(held.id)", key: shop.key)
            #expect(try returned.decoded(Components.Schemas.WalletHold.self).returned == 8_000)

            // An order cancelled before payment releases its hold.
            let second = try await Self.hold("mei", amount: 1_000, api: api, key: shop.key)
            let secondID = try second.decoded(Components.Schemas.WalletHold.self).id
            let placed =
                #"{"external_id":"o-2","member":"mei","currency":"CNY","amount":1000,"status":"placed","placed_at":"2026-12-05T08:00:00Z","wallet_hold":"\#(secondID)"}"#
            #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: placed).status == .created)
            #expect(try await api.send(.post, "/v1/orders/o-2/cancel", key: shop.key).status == .ok)
            let released = try await api.send(.get, "/v1/wallet/holds/\(secondID)", key: shop.key)
            #expect(try released.decoded(Components.Schemas.WalletHold.self).state == .released)
            // Another member's hold, or one that does not exist, cannot pay an order.
            let foreign =
                #"{"external_id":"o-3","member":"li","currency":"CNY","amount":1,"status":"paid","placed_at":"2026-12-05T08:00:00Z","wallet_hold":"\#(secondID)"}"#
            #expect(
                try await api.send(.post, "/v1/orders", key: shop.key, json: foreign).status == .unprocessableContent
            )
            let unknown = foreign.replacingOccurrences(of: secondID, with: UUID().uuidString.lowercased())
            #expect(
                try await api.send(.post, "/v1/orders", key: shop.key, json: unknown).status == .unprocessableContent
            )
        }
        try await expectAuditClean(shop.tenant)
        let refunded = try await TierTests.events("wallet.refunded", tenant: shop.tenant)
        #expect(refunded.map { $0["amount"] as? Int } == [4_000, 4_000])
        #expect(refunded.allSatisfy { $0["source"] as? String == "order" })
    }

    @Test func bonusIsRemindedOnceAndExpiresByTheSweep() async throws {
        let shop = try await makeTenant()
        let start = Date()
        try await withAPI { api async throws in
            #expect(try await api.putProgram(Self.program(expiresDays: 10), key: shop.key).status == .ok)
            _ = try await Self.topUp("mei", "pay-1", amount: 20_000, api: api, key: shop.key)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(8 * 86_400))
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(9 * 86_400))
            let reminders = try await TierTests.events("wallet.bonus_expiring", tenant: shop.tenant)
            #expect(reminders.count == 1 && reminders.first?["amount"] as? Int == 4_000)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(11 * 86_400))
            let wallet = try await Self.wallet("mei", api: api, key: shop.key)
            #expect(wallet.bonus == 0 && wallet.principal == 20_000)
            let ledger = try await api.send(.get, "/v1/members/mei/wallet/ledger", key: shop.key)
                .decoded(Components.Schemas.WalletEntryPage.self)
            #expect(ledger.data.first?.kind == .expire && ledger.data.first?.bonusDelta == -4_000)
        }
        try await expectAuditClean(shop.tenant)
    }

    /// Random top-ups, holds, captures, releases, order refunds, sweeps and top-up refunds: after
    /// every step the wallet's parts equal its entries and its lots, and nothing is negative.
    @Test func aRandomSequenceKeepsTheWalletEqualToItsLedger() async throws {
        let shop = try await makeTenant()
        let start = Date()
        try await withAPI { api async throws in
            var rng = SplitMix64(state: 0x5EED_18)
            #expect(try await api.putProgram(Self.program(expiresDays: 20), key: shop.key).status == .ok)
            var topUps: [String] = []
            var holds: [String] = []
            var day = 0.0
            for step in 0..<60 {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:
                    let amount = [1_000, 20_000, 50_000, 7_777].randomElement(using: &rng) ?? 1_000
                    topUps.append(
                        try await Self.topUp("m", "p-\(step)", amount: Int64(amount), api: api, key: shop.key).id
                    )
                case 1:
                    let response = try await Self.hold(
                        "m",
                        amount: Int64.random(in: 1...9_000, using: &rng),
                        api: api,
                        key: shop.key
                    )
                    if response.status == .created {
                        holds.append(try response.decoded(Components.Schemas.WalletHold.self).id)
                    } else {
                        // Too little money, or no member yet (nothing topped up so far).
                        #expect(
                            response.status == .unprocessableContent
                                || (topUps.isEmpty && response.status == .notFound),
                            "\(response.text)"
                        )
                    }
                case 2:
                    if let hold = holds.randomElement(using: &rng) {
                        let action = Bool.random(using: &rng) ? "capture" : "release"
                        let response = try await api.send(.post, "/v1/wallet/holds/\(hold)/\(action)", key: shop.key)
                        #expect(response.status == .ok || response.status == .conflict, "\(response.text)")
                    }
                case 3:
                    day += Double.random(in: 1...15, using: &rng)
                    try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(day * 86_400))
                case 4:
                    if let topUp = topUps.randomElement(using: &rng) {
                        let response = try await api.send(.post, "/v1/wallet/top-ups/\(topUp)/refund", key: shop.key)
                        #expect(response.status == .ok || response.status == .conflict, "\(response.text)")
                    }
                default:
                    // An order paid from a fresh hold, then refunded in part.
                    let response = try await Self.hold("m", amount: 2_000, api: api, key: shop.key)
                    guard response.status == .created else { continue }
                    let hold = try response.decoded(Components.Schemas.WalletHold.self).id
                    let order =
                        #"{"external_id":"o-\#(step)","member":"m","currency":"CNY","amount":5000,"status":"paid","placed_at":"2026-12-05T08:00:00Z","wallet_hold":"\#(hold)"}"#
                    #expect(try await api.send(.post, "/v1/orders", key: shop.key, json: order).status == .created)
                    let refund = #"{"external_id":"r-\#(step)","amount":\#(Int.random(in: 1...5_000, using: &rng))}"#
                    #expect(
                        try await api.send(.post, "/v1/orders/o-\(step)/refunds", key: shop.key, json: refund).status
                            == .created
                    )
                }
                let audit = try await LedgerAudit(database: TestServers.shared.database).run(tenants: [shop.tenant])
                #expect(audit.violations.isEmpty, "step \(step): \(audit.violations)")
                if let wallet = try? await Self.wallet("m", api: api, key: shop.key) {
                    #expect(wallet.principal >= 0 && wallet.bonus >= 0 && wallet.held >= 0)
                }
            }
        }
    }

    @Test func everyWalletEventReachesTheShopSignedAsStandardWebhooks() async throws {
        let shop = try await makeTenant()
        let entries = try await deliveredEvents(WalletEvent.types, shop: shop) { api in
            let start = Date()
            #expect(try await api.putProgram(Self.program(expiresDays: 10), key: shop.key).status == .ok)
            let topUp = try await Self.topUp("mei", "pay-1", amount: 20_000, api: api, key: shop.key)
            let hold = try await Self.hold("mei", amount: 1_000, api: api, key: shop.key)
            let id = try hold.decoded(Components.Schemas.WalletHold.self).id
            try await api.send(.post, "/v1/wallet/holds/\(id)/capture", key: shop.key)
            try await runJob(.sweepWallets, tenant: shop.tenant, now: start.addingTimeInterval(8 * 86_400))
            try await api.send(.post, "/v1/wallet/top-ups/\(topUp.id)/refund", key: shop.key)
        }
        #expect(entries.allSatisfy { $0.valid && $0.status == 200 })
        #expect(Set(entries.compactMap(\.type)) == Set(WalletEvent.types), "\(entries.map(\.type))")
    }
}
