import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

/// A seeded generator, so a failing sequence can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Any random sequence of orders, refunds, cancellations, redemptions and adjustments keeps
/// balance = sum(ledger) = sum(lots) (minus debt) and held = sum(open holds), and no lot is
/// ever spent below zero — checked after every step.
@Suite struct LedgerPropertyTests {
    @Test(arguments: [UInt64(1), 42, 2026])
    func randomOperationsKeepTheLedgerExact(seed: UInt64) async throws {
        var random = SplitMix64(state: seed)
        let (tenant, _) = try await TestServers.shared.makeTenant("property \(seed)")
        let database = TestServers.shared.database
        let members = try ["a", "b", "c"].map { try ExternalID($0) }
        let policy = Bool.random(using: &random) ? "allow_negative" : "stop_at_zero"
        try await database.withTenant(tenant.id) { connection in
            var program = try JSONDecoder().decode(Program.self, from: Data(#"{"clawback":"\#(policy)"}"#.utf8))
            program.earning.firstOrderBonus = 7
            _ = try await connection.saveProgram(program)
            for member in members { _ = try await connection.upsertMember(member, profile: MemberProfile()) }
        }
        var orders: [ExternalID] = []
        var holds: [UUID] = []
        var refundCount = 0
        var expected = 0
        for step in 0..<120 {
            let member = members[Int.random(in: 0..<members.count, using: &random)]
            let roll = Int.random(in: 0..<100, using: &random)
            do {
                try await database.withTenant(tenant.id) { connection in
                    switch roll {
                    case 0..<30:
                        let id = try ExternalID("o-\(step)")
                        let draft = OrderDraft(
                            externalID: id,
                            member: member,
                            amount: try Money(
                                minorUnits: Int64.random(in: 100...50_000, using: &random),
                                currency: Currency("CNY")
                            ),
                            status: .paid,
                            placedAt: Date()
                        )
                        let (order, _) = try await connection.recordOrder(draft)
                        _ = try await connection.settleOrder(order.id)
                        orders.append(id)
                    case 30..<45 where !orders.isEmpty:
                        let order = orders[Int.random(in: 0..<orders.count, using: &random)]
                        guard let stored = try await connection.order(order) else { return }
                        refundCount += 1
                        let amount = Int64.random(in: 1...max(1, stored.amount.minorUnits / 2), using: &random)
                        _ = try await connection.refund(
                            order: order,
                            RefundDraft(externalID: try ExternalID("r-\(refundCount)"), amount: amount)
                        )
                    case 45..<50 where !orders.isEmpty:
                        _ = try await connection.cancel(order: orders[Int.random(in: 0..<orders.count, using: &random)])
                    case 50..<70:
                        let points = Int64.random(in: 1...400, using: &random)
                        if let hold = try await connection.placeHold(member: member, RedemptionRequest(points: points))
                        {
                            holds.append(hold.id)
                        }
                    case 70..<80 where !holds.isEmpty:
                        _ = try await connection.capture(redemption: holds.removeFirst())
                    case 80..<88 where !holds.isEmpty:
                        _ = try await connection.release(redemption: holds.removeLast())
                    case 88..<92:
                        _ = try await connection.expireHolds(now: Date().addingTimeInterval(3600))
                    default:
                        let points = Int64.random(in: -300...300, using: &random)
                        guard points != 0 else { return }
                        _ = try await connection.adjust(
                            member: member,
                            AdjustmentRequest(points: points, reasonCode: "test")
                        )
                    }
                }
            } catch let error as JifenError
                where [.insufficientPoints, .conflict, .validationFailed].contains(error.code)
            {
                expected += 1  // a refused operation, rolled back whole
            }
            let audit = try await LedgerAudit(database: database).run(tenants: [tenant.id])
            #expect(audit.violations.isEmpty, "seed \(seed) step \(step): \(audit.violations)")
            if !audit.violations.isEmpty { return }
        }
        let (spentTwice, overRedeemed) = try await database.withTenant(tenant.id) { connection in
            let lots =
                try await connection.connection.query(
                    "SELECT count(*) FROM point_lots WHERE remaining < 0 OR remaining > points",
                    logger: TestServers.shared.logger
                ).decode(Int.self).first(where: { _ in true }) ?? -1
            // Points captured can never exceed points ever credited.
            let over =
                try await connection.connection.query(
                    """
                    SELECT count(*) FROM balances
                    WHERE lifetime_redeemed > (SELECT coalesce(sum(points), 0) FROM point_lots l WHERE l.member_id = balances.member_id)
                    """,
                    logger: TestServers.shared.logger
                ).decode(Int.self).first(where: { _ in true }) ?? -1
            return (lots, over)
        }
        #expect(spentTwice == 0)
        #expect(overRedeemed == 0)
        // The reports agree with the ledger: live (nothing stored yet), then once the day is
        // aggregated, the stored days equal a recomputation and today's liability the lots.
        let live = try await database.withTenant(tenant.id) {
            try await $0.verifyReports(from: today().adding(days: -1), to: today())
        }
        #expect(live.isEmpty, "seed \(seed), live: \(live)")
        let tomorrow = Date().addingTimeInterval(86_400 + 3_600)
        try await runJob(.aggregateReports, tenant: tenant.id, now: tomorrow)
        let stored = try await database.withTenant(tenant.id) { connection in
            try await connection.verifyReports(from: today().adding(days: -1), to: today())
        }
        #expect(stored.isEmpty, "seed \(seed), stored: \(stored)")
        let flows = try await database.withTenant(tenant.id) {
            // From yesterday: the sequence may have started before midnight.
            try await $0.flowsReport(ReportQuery(from: today().adding(days: -1), to: today(), period: .day))
        }
        #expect(flows.report.aggregatedThrough != nil, "the day was not aggregated")
        #expect(flows.total.earned > 0)
        // The sequence exercised refusals too, not only the happy path.
        #expect(expected > 0)
    }
}

/// Today in UTC, the zone of the default program.
func today() -> ReportDay { ReportDay(Date(), in: .gmt) }
