import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@testable import JifenAPI

/// Reports beyond the fixture: what they refuse, whose figures they show, their CSV, and the
/// aggregation's progress (resumable, idempotent, due only when a day has ended).
@Suite struct ReportTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// `count` paid orders of 10,000 fen a day for `days` days from 2026-01-01, one member per
    /// day in turn among three, each in a category (some with a comma and quotes, to quote).
    static func history(_ tenant: TenantID, days: Int) async throws {
        let categories = ["美妆", "女鞋, \"春季\"", "男鞋"]
        try await TestServers.shared.database.withTenant(tenant) { connection in
            _ = try await connection.saveProgram(
                try JSONDecoder().decode(
                    Program.self,
                    from: Data(#"{"currency":"CNY","time_zone":"Asia/Shanghai"}"#.utf8)
                )
            )
            for offset in 0..<days {
                let day = ReportDay(year: 2026, month: 1, day: 1).adding(days: offset)
                let at = Calendar.gregorian(in: zone).date(
                    from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12)
                )!
                let draft = OrderDraft(
                    externalID: try ExternalID("o-\(offset)"),
                    member: try ExternalID("m-\(offset % 3)"),
                    amount: try Money(minorUnits: 10_000, currency: Currency("CNY")),
                    status: .paid,
                    placedAt: at,
                    paidAt: at,
                    lines: [
                        OrderLine(sku: "s", category: categories[offset % 3], quantity: 1, unitAmount: 10_000)
                    ]
                )
                let (order, _) = try await connection.recordOrder(draft, now: at)
                _ = try await connection.settleOrder(order.id, now: at)
            }
        }
    }

    @Test func badRangesAreRefusedAndEachTenantSeesOnlyItsOwnFigures() async throws {
        let (shop, shopKey) = try await makeTenant("report shop")
        let (other, otherKey) = try await makeTenant("report other")
        try await Self.history(shop, days: 10)
        // Both tenants' days are stored: a tenant's aggregation reads and writes only its own.
        try await runJob(.aggregateReports, tenant: shop, now: Date())
        try await runJob(.aggregateReports, tenant: other, now: Date())
        #expect(try await TestServers.shared.count("report_points_daily", tenant: shop) > 0)
        #expect(try await TestServers.shared.count("report_points_daily", tenant: other) == 0)
        let range = "from=2026-01-01&to=2026-01-31&period=month"
        try await withAPI { api in
            for (query, status) in [
                ("from=2026-02-01&to=2026-01-01", 400), ("from=2020-01-01&to=2026-01-31&period=day", 400),
                ("period=year", 400), ("from=2026-02-30", 400), ("from=yesterday", 400),
            ] {
                for report in ["points-liability", "points-flows", "members", "repeat-purchase", "programs"] {
                    let response = try await api.send(.get, "/v1/reports/\(report)?\(query)", key: shopKey)
                    #expect(response.status.code == status, "\(report)?\(query): \(response.text)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                }
            }
            let mine = try await api.send(.get, "/v1/reports/points-flows?\(range)", key: shopKey)
                .decoded(Components.Schemas.PointsFlowsReport.self)
            #expect(mine.total.earned == 1_000, "ten orders of 100 yuan at the default rate")
            let theirs = try await api.send(.get, "/v1/reports/points-flows?\(range)", key: otherKey)
                .decoded(Components.Schemas.PointsFlowsReport.self)
            #expect(theirs.total.earned == 0)
            let members = try await api.send(.get, "/v1/reports/members?\(range)", key: otherKey)
                .decoded(Components.Schemas.MembersReport.self)
            #expect(members.periods.map(\.activeMembers) == [0])
            let liability = try await api.send(.get, "/v1/reports/points-liability?\(range)", key: otherKey)
                .decoded(Components.Schemas.PointsLiabilityReport.self)
            #expect(liability.periods.map(\.outstanding) == [0])
            let unauthenticated = try await api.send(.get, "/v1/reports/points-flows?\(range)")
            #expect(unauthenticated.status.code == 401)
        }
    }

    @Test func csvIsAHeaderAndRFC4180RowsInUTF8() async throws {
        let (shop, key) = try await makeTenant("report csv")
        try await Self.history(shop, days: 9)
        try await runJob(.aggregateReports, tenant: shop, now: Date())
        let range = "from=2026-01-01&to=2026-01-31&period=month"
        let (csv, json) = try await withAPI { api in
            let csv = try await api.send(
                .get,
                "/v1/reports/repeat-purchase?\(range)",
                key: key,
                headers: [.accept: "text/csv"]
            )
            #expect(csv.status.code == 200)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let json = try await api.send(
                .get,
                "/v1/reports/repeat-purchase?\(range)",
                key: key,
                headers: [.accept: "text/csv;q=0.5, application/json"]
            )
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true, "JSON is preferred here")
            return (Array(csv.body.readableBytesView), try json.decoded(Components.Schemas.RepeatPurchaseReport.self))
        }
        let text = try #require(String(bytes: csv, encoding: .utf8), "UTF-8")
        #expect(!text.hasPrefix("\u{FEFF}"), "no byte-order mark")
        let rows = try Self.parseCSV(text)
        #expect(
            rows.first == [
                "kind", "cohort_start", "cohort_end", "category", "members", "days", "repeated", "rate", "complete",
                "median_days",
            ]
        )
        #expect(rows.dropFirst().allSatisfy { $0.count == rows[0].count })
        let categories = rows.filter { $0.first == "category" }
        #expect(Set(categories.map { $0[3] }) == ["美妆", "女鞋, \"春季\"", "男鞋"])
        // Each category was bought every third day by the same member: 3 days apart.
        for row in categories {
            #expect(row[4] == "1" && row[6] == "1" && row[9] == "3.0", "\(row)")
        }
        #expect(json.categories.map(\.medianDays) == [3, 3, 3])
        #expect(text.contains("\"女鞋, \"\"春季\"\"\""), "the field is quoted and its quotes doubled")
        #expect(text.hasSuffix("\r\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
    }

    @Test func aggregationMovesDayByDayAndWritingADayAgainChangesNothing() async throws {
        let (shop, key) = try await makeTenant("report progress")
        try await Self.history(shop, days: 40)
        let database = TestServers.shared.database
        let tenants = TenantStore(database: database)
        let now = Date()
        #expect(!(try await tenants.dueTenants(.aggregateReports, now: now, limit: 10_000, after: nil).contains(shop)))
        let range = "from=2026-01-01&to=2026-02-28&period=week"
        func read() async throws -> (Components.Schemas.PointsFlowsReport, Components.Schemas.MembersReport) {
            try await withAPI { api in
                (
                    try await api.send(.get, "/v1/reports/points-flows?\(range)", key: key)
                        .decoded(Components.Schemas.PointsFlowsReport.self),
                    try await api.send(.get, "/v1/reports/members?\(range)", key: key)
                        .decoded(Components.Schemas.MembersReport.self)
                )
            }
        }
        // Nothing stored yet: all live.
        let (liveFlows, liveMembers) = try await read()
        #expect(liveFlows.report.aggregatedThrough == nil)
        #expect(liveFlows.total.earned == 4_000)
        // One chunk of days stored, the rest live: the same figures.
        let first = try await database.withTenant(shop) { try await $0.aggregateReports(now: now) }
        #expect(first == TenantConnection.reportChunkDays)
        let (partFlows, partMembers) = try await read()
        #expect(partFlows.report.aggregatedThrough == "2026-01-31")
        #expect(partFlows.periods == liveFlows.periods)
        #expect(partMembers.periods == liveMembers.periods)
        // The job finishes, and is due again only once the next day has ended.
        try await runJob(.aggregateReports, tenant: shop, now: now)
        #expect(!(try await tenants.dueTenants(.aggregateReports, now: now, limit: 10_000, after: nil).contains(shop)))
        #expect(
            try await tenants.dueTenants(
                .aggregateReports,
                now: now.addingTimeInterval(2 * 86_400),
                limit: 10_000,
                after: nil
            )
            .contains(shop)
        )
        let (doneFlows, doneMembers) = try await read()
        #expect(doneFlows.periods == liveFlows.periods)
        #expect(doneMembers.periods == liveMembers.periods)
        // Forgetting from mid-January and writing again gives the same rows; so does writing twice.
        try await database.withTenant(shop) {
            try await $0.resetReports(from: ReportDay(year: 2026, month: 1, day: 15), now: now)
        }
        #expect(try await tenants.dueTenants(.aggregateReports, now: now, limit: 10_000, after: nil).contains(shop))
        try await runJob(.aggregateReports, tenant: shop, now: now)
        try await runJob(.aggregateReports, tenant: shop, now: now)
        let (againFlows, againMembers) = try await read()
        #expect(againFlows.periods == liveFlows.periods)
        #expect(againMembers.periods == liveMembers.periods)
        let problems = try await database.withTenant(shop) {
            try await $0.verifyReports(from: ReportDay(year: 2026, month: 1, day: 1), to: ReportDay(now, in: .gmt))
        }
        #expect(problems.isEmpty, "\(problems)")
        // A stored row changed behind the reports' back is found by the check.
        try await database.withTenant(shop) { connection in
            try await connection.connection.query(
                "UPDATE report_points_daily SET entries = entries + 1 WHERE kind = 'earn'",
                logger: TestServers.shared.logger
            )
        }
        let found = try await database.withTenant(shop) {
            try await $0.verifyReports(from: ReportDay(year: 2026, month: 1, day: 1), to: ReportDay(now, in: .gmt))
        }
        #expect(!found.isEmpty)
    }

    /// RFC 4180, read independently of the writer: quoted fields may hold commas, CR, LF and
    /// doubled quotes; records end with CRLF.
    static func parseCSV(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? characters.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\r" {
                guard characters.next() == "\n" else { throw CSVError() }
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        guard row.isEmpty, field.isEmpty, !quoted else { throw CSVError() }
        return rows
    }

    struct CSVError: Error {}
}

extension ReportTests {
    /// Members start at the base level and move by `tier.changed`: the members report counts
    /// them per level at each period's end and lists the period's moves.
    @Test func membersPerTierAreCountedAtEachPeriodsEnd() async throws {
        let (shop, key) = try await makeTenant("report tiers")
        let today = ReportDay(Date(), in: .gmt)
        // Up to tomorrow, so a test running across midnight finds its members too.
        let range = "from=\(today.adding(days: -1))&to=\(today.adding(days: 1))&period=day"
        let report = try await withAPI { api in
            #expect(try await api.putProgram(TierTests.program(), key: key).status == .ok)
            try await api.paidOrder("o-1", member: "m-1", amount: 250_000, tenant: shop, key: key)  // silver
            try await api.paidOrder("o-2", member: "m-2", amount: 10_000, tenant: shop, key: key)  // member
            try await api.paidOrder("o-3", member: "m-3", amount: 600_000, tenant: shop, key: key)  // gold
            return try await api.send(.get, "/v1/reports/members?\(range)", key: key)
                .decoded(Components.Schemas.MembersReport.self)
        }
        #expect(report.periods.count == 3)
        let yesterday = try #require(report.periods.first)
        #expect(yesterday.tiers.isEmpty, "no member yet")
        #expect(yesterday.tierMoves.isEmpty)
        let now = try #require(report.periods.last)
        #expect(
            Dictionary(uniqueKeysWithValues: now.tiers.map { ($0.tier ?? "", $0.members) }) == [
                "member": 1, "silver": 1, "gold": 1,
            ]
        )
        let moves = report.periods.flatMap(\.tierMoves)
        #expect(Set(moves.map { "\($0.from)>\($0.to)=\($0.members)" }) == ["member>silver=1", "member>gold=1"])
        #expect(report.periods.map(\.newMembers).reduce(0, +) == 3)
        #expect(report.periods.map(\.orders).reduce(0, +) == 3)
        // Stored or live, the same figures.
        try await runJob(.aggregateReports, tenant: shop, now: Date().addingTimeInterval(86_400 + 3_600))
        let stored = try await withAPI { api in
            try await api.send(.get, "/v1/reports/members?\(range)", key: key)
                .decoded(Components.Schemas.MembersReport.self)
        }
        #expect(stored.report.aggregatedThrough != nil)
        #expect(stored.periods == report.periods)
    }
}
