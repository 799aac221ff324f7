import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@testable import JifenAPI

/// Two years of a shop's history, written through the store with the clock moved day by day
/// (orders, refunds, redemptions, releases, expiries), while a model of its own — lots spent
/// first to expire first, pending for seven days, expiring twelve months after they are
/// earned — derives what every report must say. The reports, read through the API after the
/// workers' aggregation, match the model exactly.
@Suite struct ReportFixtureTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let program = """
        {"currency":"CNY","time_zone":"Asia/Shanghai","earning":{"rate":{"points":1,"per":1}},
         "pending_days":7,"expiry":{"policy":"rolling","months":12},
         "redemption":{"points":100,"amount":100,"minimum_points":1,"max_order_share_percent":100,"hold_minutes":2880}}
        """
    static let categories = ["美妆", "女鞋", "男鞋", "女装"]
    static let first = ReportDay(year: 2024, month: 12, day: 1)
    static let days = 730

    /// A lot as the model keeps it.
    final class Lot {
        let member: Int
        let points: Int64
        var remaining: Int64
        let earned: Date
        let expires: Date
        let earnedDay: ReportDay
        let expiryMonth: String
        var pendingUntil: ReportDay?
        var gone = false

        init(member: Int, points: Int64, earned: Date, expires: Date, earnedDay: ReportDay) {
            self.member = member
            self.points = points
            self.remaining = points
            self.earned = earned
            self.expires = expires
            self.earnedDay = earnedDay
            self.expiryMonth = ReportDay(expires, in: ReportFixtureTests.zone).monthName
            self.pendingUntil = earnedDay.adding(days: 7)
        }
    }

    struct Hold {
        var id: UUID
        var member: Int
        var touches: [(Lot, Int64)]
        var points: Int64
    }

    /// What the model expects, by month (`YYYY-MM`).
    struct Expected {
        var earned: [String: Int64] = [:]
        var redeemed: [String: Int64] = [:]
        var expired: [String: Int64] = [:]
        var reversed: [String: Int64] = [:]
        var orders: [String: Int64] = [:]
        var amount: [String: Int64] = [:]
        var refunds: [String: Int64] = [:]
        var refunded: [String: Int64] = [:]
        var active: [String: Set<Int>] = [:]
        /// (available, pending, held, by expiry month) at each month's end.
        var liability: [String: (Int64, Int64, Int64, [String: Int64])] = [:]
        /// Each member's paid orders: (time, local day, category).
        var visits: [Int: [(Date, ReportDay, String)]] = [:]
        /// Points earned per earned month, and what became of them.
        var cohortEarned: [String: Int64] = [:]
        var cohortRedeemed: [String: Int64] = [:]
        var cohortExpired: [String: Int64] = [:]
        var cohortReversed: [String: Int64] = [:]
    }

    static func at(_ day: ReportDay, _ hour: Int, _ minute: Int = 0) -> Date {
        var parts = DateComponents()
        parts.year = day.year
        parts.month = day.month
        parts.day = day.day
        parts.hour = hour
        parts.minute = minute
        return Calendar.gregorian(in: zone).date(from: parts)!
    }

    @Test(.timeLimit(.minutes(5)))
    func everyReportMatchesTheHistoryItWasComputedFrom() async throws {
        let database = TestServers.shared.database
        let (tenant, key) = try await makeTenant("report fixture")
        try await database.withTenant(tenant) { connection in
            _ = try await connection.saveProgram(try JSONDecoder().decode(Program.self, from: Data(Self.program.utf8)))
        }
        var random = SplitMix64(state: 20)
        var model = Expected()
        var lots: [Lot] = []
        var holds: [Hold] = []
        var refundsDue: [ReportDay: [(String, Int, Lot, Int64)]] = [:]
        var orderNumber = 0
        let members = 20
        let calendar = Calendar.gregorian(in: Self.zone)

        for offset in 0..<Self.days {
            let day = Self.first.adding(days: offset)
            let month = day.monthName
            // 09:00: yesterday's open holds are captured or released.
            for hold in holds {
                let now = Self.at(day, 9)
                if Int.random(in: 0..<4, using: &random) == 0 {
                    _ = try await database.withTenant(tenant) { try await $0.release(redemption: hold.id, now: now) }
                    for (lot, points) in hold.touches {
                        if lot.expires <= now {
                            model.expired[month, default: 0] += points
                            model.cohortExpired[lot.earnedDay.monthName, default: 0] += points
                        } else {
                            lot.remaining += points
                        }
                    }
                } else {
                    _ = try await database.withTenant(tenant) { try await $0.capture(redemption: hold.id, now: now) }
                    model.redeemed[month, default: 0] += hold.points
                    for (lot, points) in hold.touches {
                        model.cohortRedeemed[lot.earnedDay.monthName, default: 0] += points
                    }
                }
            }
            holds = []
            // 10:00 on: orders, each with one category.
            for member in 0..<members where Int.random(in: 0..<100, using: &random) < 5 {
                orderNumber += 1
                let placed = Self.at(day, 10).addingTimeInterval(TimeInterval(orderNumber % 600) * 60)
                let amount = Int64.random(in: 1_000...50_000, using: &random)
                let category = Self.categories[Int.random(in: 0..<Self.categories.count, using: &random)]
                let id = "o-\(orderNumber)"
                let draft = OrderDraft(
                    externalID: try ExternalID(id),
                    member: try ExternalID("m-\(member)"),
                    amount: try Money(minorUnits: amount, currency: Currency("CNY")),
                    status: .paid,
                    placedAt: placed,
                    paidAt: placed,
                    lines: [
                        OrderLine(sku: "sku-\(orderNumber % 7)", category: category, quantity: 1, unitAmount: amount)
                    ]
                )
                try await database.withTenant(tenant) { connection in
                    let (order, _) = try await connection.recordOrder(draft, now: placed)
                    _ = try await connection.settleOrder(order.id, now: placed)
                }
                let points = amount / 100
                let lot = Lot(
                    member: member,
                    points: points,
                    earned: placed,
                    expires: calendar.date(byAdding: .month, value: 12, to: placed)!,
                    earnedDay: day
                )
                lots.append(lot)
                model.earned[month, default: 0] += points
                model.cohortEarned[month, default: 0] += points
                model.orders[month, default: 0] += 1
                model.amount[month, default: 0] += amount
                model.active[month, default: []].insert(member)
                model.visits[member, default: []].append((placed, day, category))
                if Int.random(in: 0..<10, using: &random) == 0 {
                    refundsDue[day.adding(days: 2), default: []].append((id, member, lot, amount))
                }
            }
            // 12:00: refunds in full, two days after the order, while its points are pending.
            for (id, _, lot, amount) in refundsDue.removeValue(forKey: day) ?? [] {
                let now = Self.at(day, 12)
                _ = try await database.withTenant(tenant) { connection in
                    try await connection.refund(
                        order: try ExternalID(id),
                        RefundDraft(externalID: try ExternalID("r-\(id)"), amount: amount),
                        now: now
                    )
                }
                model.reversed[month, default: 0] += lot.remaining
                model.cohortReversed[lot.earnedDay.monthName, default: 0] += lot.remaining
                model.refunds[month, default: 0] += 1
                model.refunded[month, default: 0] += amount
                lot.remaining = 0
                lot.gone = true
            }
            // 15:00: redemptions, first to expire first, held until tomorrow morning. Members 14
            // and up never redeem: their points expire.
            for member in 0..<14 where Int.random(in: 0..<100, using: &random) < 4 {
                let now = Self.at(day, 15)
                let spendable = lots.filter {
                    $0.member == member && !$0.gone && $0.pendingUntil == nil && $0.remaining > 0
                }
                .sorted { $0.expires < $1.expires }
                let available = spendable.reduce(Int64(0)) { $0 + $1.remaining }
                guard available >= 200 else { continue }
                let points = Int64.random(in: 100...(available / 2), using: &random)
                let redemption = try await database.withTenant(tenant) { connection in
                    try await connection.placeHold(
                        member: try ExternalID("m-\(member)"),
                        RedemptionRequest(points: points),
                        now: now
                    )
                }
                var left = points
                var touches: [(Lot, Int64)] = []
                for lot in spendable where left > 0 {
                    let taken = min(lot.remaining, left)
                    lot.remaining -= taken
                    left -= taken
                    touches.append((lot, taken))
                }
                holds.append(Hold(id: try #require(redemption).id, member: member, touches: touches, points: points))
            }
            // 23:00: the sweeps — pending points released, lots past expiry expired.
            let night = Self.at(day, 23)
            var due = false
            for lot in lots where !lot.gone {
                if lot.pendingUntil == day {
                    lot.pendingUntil = nil
                    due = true
                }
                if lot.pendingUntil == nil, lot.expires <= night, !lot.gone {
                    lot.gone = true
                    model.expired[month, default: 0] += lot.remaining
                    model.cohortExpired[lot.earnedDay.monthName, default: 0] += lot.remaining
                    lot.remaining = 0
                    due = true
                }
            }
            if due {
                try await database.withTenant(tenant) { connection in
                    while try await connection.releaseDuePoints(now: night) == 500 {}
                    while try await connection.expireLots(now: night) == 500 {}
                }
            }
            if day.end(of: .month) == day {
                var byMonth: [String: Int64] = [:]
                var available: Int64 = 0
                var pending: Int64 = 0
                for lot in lots where !lot.gone && lot.remaining > 0 {
                    byMonth[lot.expiryMonth, default: 0] += lot.remaining
                    if lot.pendingUntil == nil { available += lot.remaining } else { pending += lot.remaining }
                }
                var held: Int64 = 0
                for hold in holds {
                    held += hold.points
                    for (lot, points) in hold.touches { byMonth[lot.expiryMonth, default: 0] += points }
                }
                model.liability[month] = (available, pending, held, byMonth.filter { $0.value != 0 })
            }
        }
        try await expectAuditClean(tenant)

        // The workers aggregate every ended day, then the reports are read through the API.
        try await runJob(.aggregateReports, tenant: tenant, now: Date())
        let last = Self.first.adding(days: Self.days - 1)
        let range = "from=\(Self.first)&to=\(last)&period=month"
        let (liability, flows, membersReport, repeatReport) = try await withAPI {
            api -> (
                Components.Schemas.PointsLiabilityReport, Components.Schemas.PointsFlowsReport,
                Components.Schemas.MembersReport, Components.Schemas.RepeatPurchaseReport
            ) in
            (
                try await api.send(.get, "/v1/reports/points-liability?\(range)", key: key).decoded(
                    Components.Schemas.PointsLiabilityReport.self
                ),
                try await api.send(.get, "/v1/reports/points-flows?\(range)", key: key).decoded(
                    Components.Schemas.PointsFlowsReport.self
                ),
                try await api.send(.get, "/v1/reports/members?\(range)", key: key).decoded(
                    Components.Schemas.MembersReport.self
                ),
                try await api.send(.get, "/v1/reports/repeat-purchase?\(range)", key: key).decoded(
                    Components.Schemas.RepeatPurchaseReport.self
                )
            )
        }
        #expect(liability.report.aggregatedThrough != nil)
        #expect(liability.periods.count == 24)
        for period in liability.periods {
            let month = String(period.start.prefix(7))
            let (available, pending, held, byMonth) = model.liability[month] ?? (0, 0, 0, [:])
            #expect(
                [period.available, period.pending, period.held, period.debt] == [available, pending, held, 0],
                "\(month) liability"
            )
            #expect(period.outstanding == available + pending + held)
            #expect(period.value == available + pending + held, "1 point is worth 1 fen")
            var reported: [String: Int64] = [:]
            for entry in period.byExpiryMonth { reported[entry.month ?? "never"] = entry.points }
            #expect(reported == byMonth, "\(month) by expiry month")
        }

        for period in flows.periods {
            let month = String(period.start.prefix(7))
            let flow = period.total
            #expect(
                [flow.earned, flow.redeemed, flow.expired, flow.reversed, flow.deducted]
                    == [
                        model.earned[month] ?? 0, model.redeemed[month] ?? 0, model.expired[month] ?? 0,
                        model.reversed[month] ?? 0, 0,
                    ],
                "\(month) flows"
            )
        }
        let earned = model.earned.values.reduce(0, +)
        let redeemed = model.redeemed.values.reduce(0, +)
        #expect(flows.total.earned == earned)
        #expect(flows.redemptionRate == ReportRate.of(redeemed, earned))
        let expired = model.cohortExpired.values.reduce(0, +)
        let reversed = model.cohortReversed.values.reduce(0, +)
        let outstanding =
            lots.reduce(Int64(0)) { $0 + ($1.gone ? 0 : $1.remaining) }
            + holds.reduce(Int64(0)) { $0 + $1.points }
        #expect(flows.settled.earned == model.cohortEarned.values.reduce(0, +))
        #expect(flows.settled.redeemed == model.cohortRedeemed.values.reduce(0, +))
        #expect(flows.settled.expired == expired)
        #expect(flows.settled.reversed == reversed)
        #expect(flows.settled.outstanding == outstanding)
        #expect(flows.settled.breakageRate == ReportRate.of(expired, earned - reversed - outstanding))
        #expect(expired > 0 && redeemed > 0 && reversed > 0, "the history has every kind of flow")

        var firsts: [String: Int64] = [:]
        for (_, visits) in model.visits { firsts[visits[0].1.monthName, default: 0] += 1 }
        for period in membersReport.periods {
            let month = String(period.start.prefix(7))
            #expect(period.activeMembers == Int64(model.active[month]?.count ?? 0), "\(month) active")
            #expect(period.newMembers == firsts[month] ?? 0, "\(month) new")
            #expect(
                [period.orders, period.amount, period.refunds, period.refunded]
                    == [
                        model.orders[month] ?? 0, model.amount[month] ?? 0, model.refunds[month] ?? 0,
                        model.refunded[month] ?? 0,
                    ],
                "\(month) orders"
            )
        }

        let through = try #require(repeatReport.report.aggregatedThrough.flatMap(ReportDay.init))
        for cohort in repeatReport.cohorts {
            let month = String(cohort.start.prefix(7))
            let members = model.visits.values.filter { $0[0].1.monthName == month }
            #expect(cohort.members == Int64(members.count), "\(month) cohort")
            for window in cohort.windows {
                let repeated = members.filter {
                    $0.count > 1 && $0[1].0.timeIntervalSince($0[0].0) <= TimeInterval(window.days) * 86_400
                }.count
                #expect(window.repeated == Int64(repeated), "\(month) within \(window.days) days")
                let end = try #require(ReportDay(cohort.through))
                #expect(window.complete == (end.adding(days: window.days) <= through))
            }
        }
        for category in repeatReport.categories {
            var gaps: [Int] = []
            var buyers = 0
            for visits in model.visits.values {
                let of = visits.filter { $0.2 == category.category }
                guard !of.isEmpty else { continue }
                buyers += 1
                if of.count > 1 { gaps.append(of[1].1.ordinal - of[0].1.ordinal) }
            }
            gaps.sort()
            let median: Double? =
                gaps.isEmpty
                ? nil
                : gaps.count % 2 == 1
                    ? Double(gaps[gaps.count / 2]) : Double(gaps[gaps.count / 2 - 1] + gaps[gaps.count / 2]) / 2
            #expect(category.members == Int64(buyers), "\(category.category) buyers")
            #expect(category.repeated == Int64(gaps.count))
            #expect(category.medianDays == median, "\(category.category) median")
        }
        #expect(Set(repeatReport.categories.map(\.category)) == Set(Self.categories))
        // And the check command's recomputation agrees.
        let problems = try await database.withTenant(tenant) {
            try await $0.verifyReports(from: Self.first, to: Self.first.adding(days: Self.days))
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }
}
