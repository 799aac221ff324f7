import Foundation
import JifenCore
import PostgresNIO

/// Reading the reports: the stored daily aggregates up to the tenant's `aggregated_through`,
/// and the days after it computed live by the same SQL functions (migrations/0020_reports.sql).
/// Every day bound is sent as `YYYY-MM-DD` text and cast to `date` in SQL, so the session's
/// time zone never shifts a day.
extension TenantConnection {
    /// What every report of one request reads first: the program, its zone and the progress.
    public struct ReportContext: Sendable {
        var program: Program
        /// The zone as PostgreSQL uses it (the program's, or UTC if PostgreSQL does not know it).
        var zone: String
        var through: ReportDay?
        var today: ReportDay

        /// The first day read live.
        var liveFrom: ReportDay { through?.adding(days: 1) ?? ReportDay(year: 2000, month: 1, day: 1) }
        /// The last day read from the aggregates (before every stored day when nothing is stored).
        var storedThrough: ReportDay { through ?? ReportDay(year: 1999, month: 12, day: 31) }

        func header(_ query: ReportQuery) -> ReportHeader {
            ReportHeader(query: query, timeZone: zone, aggregatedThrough: through)
        }
    }

    func reportContext(now: Date) async throws -> ReportContext {
        // Report queries are short; compiling them (JIT, which the planner turns on for the
        // row counts it guesses for the live functions) costs more than running them.
        try await query("SET LOCAL jit = off")
        let program = try await program()
        let rows = try await query(
            """
            SELECT jifen_report_zone(\(program.timeZone)),
                   (SELECT aggregated_through::text FROM report_progress WHERE tenant_id = \(tenant.rawValue))
            """
        )
        guard let (zone, through) = try await rows.decode((String, String?).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "no report context")
        }
        let today = ReportDay(now, in: TimeZone(identifier: zone) ?? .gmt)
        return ReportContext(program: program, zone: zone, through: through.flatMap(ReportDay.init), today: today)
    }

    /// A report's rows of the days [`from`, `to`] (from the first day when `from` is nil): the
    /// rows of `stored` up to the last stored day, then the rows the function `live` computes
    /// for the days after it, both with `columns` and `condition`. Every value is a literal of a
    /// validated day, the tenant's id or the zone PostgreSQL named, so the SQL is built here.
    func reportDays(
        _ columns: String,
        stored: String,
        live function: String,
        from: ReportDay? = nil,
        to: ReportDay,
        context: ReportContext,
        where condition: String = "true"
    ) -> String {
        let storedTo = min(to, context.storedThrough)
        let live = max(from ?? context.liveFrom, context.liveFrom)
        let zone = "'" + context.zone.replacingOccurrences(of: "'", with: "''") + "'"
        let tenant = "'\(tenant.rawValue)'::uuid"
        return """
            SELECT \(columns) FROM \(stored)
            WHERE tenant_id = \(tenant) AND day <= '\(storedTo)'::date\(from.map { " AND day >= '\($0)'::date" } ?? "")
              AND \(condition)
            UNION ALL
            SELECT \(columns) FROM \(function)(\(tenant), \(zone), '\(live)'::date, '\(to)'::date)
            WHERE '\(live)'::date <= '\(to)'::date AND \(condition)
            """
    }

    /// The bucket (period start) of each day in SQL: `date_trunc` by day, ISO week or month.
    static func bucket(_ period: ReportPeriod, _ column: String) -> String {
        "date_trunc('\(period.rawValue)', (\(column))::timestamp)::date"
    }

    /// Points owed at the end of each period of `query`, with their expiry months.
    public func liabilityReport(_ query: ReportQuery, context given: ReportContext? = nil, now: Date = Date())
        async throws
        -> LiabilityReport
    {
        let context = try await reportContext(given, now: now)
        let periods = query.periods
        let first = periods[0].start.description
        var totals: [ReportDay: (Int64, Int64, Int64, Int64)] = [:]
        let rows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, available, pending, held, debt", stored: "report_points_daily",
                    live: "jifen_report_points", to: query.to, context: context))
            )
            SELECT greatest(\(unescaped: Self.bucket(query.period, "day")), \(first)::date)::text,
                   sum(available)::bigint, sum(pending)::bigint, sum(held)::bigint, sum(debt)::bigint
            FROM days GROUP BY 1
            """
        )
        for try await (bucket, available, pending, held, debt) in rows.decode((String, Int64, Int64, Int64, Int64).self)
        {
            if let day = ReportDay(bucket) { totals[day] = (available, pending, held, debt) }
        }
        var months: [ReportDay: [String?: Int64]] = [:]
        let monthRows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, expiry_month, points", stored: "report_lots_daily",
                    live: "jifen_report_lots", to: query.to, context: context))
            )
            SELECT greatest(\(unescaped: Self.bucket(query.period, "day")), \(first)::date)::text,
                   CASE WHEN expiry_month = 'infinity' THEN NULL ELSE to_char(expiry_month, 'YYYY-MM') END,
                   sum(points)::bigint
            FROM days GROUP BY 1, 2
            """
        )
        for try await (bucket, month, points) in monthRows.decode((String, String?, Int64).self) {
            if let day = ReportDay(bucket) { months[day, default: [:]][month, default: 0] += points }
        }
        let redemption = context.program.redemption
        var running = (Int64(0), Int64(0), Int64(0), Int64(0))
        var byMonth: [String?: Int64] = [:]
        var result: [LiabilityReport.Period] = []
        for (start, through) in periods {
            if let change = totals[start] {
                running = (running.0 + change.0, running.1 + change.1, running.2 + change.2, running.3 + change.3)
            }
            for (month, points) in months[start] ?? [:] { byMonth[month, default: 0] += points }
            let debt = -running.3
            let outstanding = running.0 + running.1 + running.2
            let expiring = byMonth.filter { $0.value != 0 }
                .sorted { ($0.key ?? "9999") < ($1.key ?? "9999") }
                .map { LiabilityReport.Month(month: $0.key, points: $0.value, value: redemption.value(of: $0.value)) }
            result.append(
                .init(
                    start: start,
                    asOf: through,
                    available: running.0,
                    pending: running.1,
                    held: running.2,
                    debt: debt,
                    outstanding: outstanding,
                    value: redemption.value(of: outstanding),
                    byExpiryMonth: expiring
                )
            )
        }
        return LiabilityReport(
            report: context.header(query),
            currency: context.program.currency?.code,
            periods: result
        )
    }

    /// Points in and out per period, by source, and what became of the range's points.
    public func flowsReport(_ query: ReportQuery, context given: ReportContext? = nil, now: Date = Date()) async throws
        -> FlowsReport
    {
        let context = try await reportContext(given, now: now)
        var periods: [ReportDay: (total: FlowsReport.Flow, sources: [String: FlowsReport.Flow])] = [:]
        var total = FlowsReport.Flow()
        let rows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, kind, source, available, pending, held", stored: "report_points_daily",
                    live: "jifen_report_points", from: query.from, to: query.to, context: context))
            )
            SELECT \(unescaped: Self.bucket(query.period, "day"))::text, kind, source,
                   sum(available)::bigint, sum(pending)::bigint, sum(held)::bigint
            FROM days GROUP BY 1, 2, 3
            """
        )
        for try await (bucket, kind, source, available, pending, held) in rows.decode(
            (String, String, String, Int64, Int64, Int64).self
        ) {
            guard let day = ReportDay(bucket) else { continue }
            var entry = periods[day] ?? (FlowsReport.Flow(), [:])
            Self.add(kind: kind, available: available, pending: pending, held: held, to: &entry.total)
            Self.add(
                kind: kind,
                available: available,
                pending: pending,
                held: held,
                to: &entry.sources[source, default: .init()]
            )
            Self.add(kind: kind, available: available, pending: pending, held: held, to: &total)
            periods[day] = entry
        }
        let settled = try await settledPoints(query, context: context)
        return FlowsReport(
            report: context.header(query),
            periods: query.periods.map { start, through in
                let entry = periods[start] ?? (FlowsReport.Flow(), [:])
                return .init(
                    start: start,
                    through: through,
                    total: entry.total,
                    bySource: entry.sources.filter { $0.value != FlowsReport.Flow() }.sorted { $0.key < $1.key }
                        .map { .init(source: $0.key, flow: $0.value) }
                )
            },
            total: total,
            redemptionRate: ReportRate.of(total.redeemed, total.earned),
            settled: settled
        )
    }

    static func add(kind: String, available: Int64, pending: Int64, held: Int64, to flow: inout FlowsReport.Flow) {
        switch kind {
        case "earn", "adjust": flow.earned += available + pending
        case "redeem": flow.redeemed -= held
        case "expire": flow.expired -= available
        case "reverse": flow.reversed -= available + pending
        case "deduct": flow.deducted -= available
        default: break  // release, hold, hold_release, settle move points without adding or taking any
        }
    }

    /// The fate of the points earned in the months of `query`, up to today.
    func settledPoints(_ query: ReportQuery, context: ReportContext) async throws -> FlowsReport.Settled {
        let firstMonth = query.from.start(of: .month).description
        let lastMonth = query.to.start(of: .month).description
        let rows = try await self.query(
            """
            WITH lots AS (
                \(unescaped: reportDays("kind, points", stored: "report_lots_daily", live: "jifen_report_lots",
                    to: context.today, context: context,
                    where: "earned_month BETWEEN '\(firstMonth)'::date AND '\(lastMonth)'::date"))
            )
            SELECT kind, sum(points)::bigint FROM lots GROUP BY kind
            """
        )
        var by: [String: Int64] = [:]
        for try await (kind, points) in rows.decode((String, Int64).self) { by[kind] = points }
        let earned = (by["earn"] ?? 0) + (by["adjust"] ?? 0)
        let outstanding = by.values.reduce(0, +)
        let reversed = -(by["reverse"] ?? 0)
        let expired = -(by["expire"] ?? 0)
        return .init(
            earned: earned,
            redeemed: -(by["redeem"] ?? 0),
            expired: expired,
            reversed: reversed,
            other: -(by["settle"] ?? 0) - (by["deduct"] ?? 0),
            outstanding: outstanding,
            breakageRate: ReportRate.of(expired, earned - reversed - outstanding)
        )
    }
}

extension TenantConnection {
    /// A report's query from request parameters, with `to` defaulting to today in the
    /// program's zone, and the context the report then reads with (read once per request).
    public func reportQuery(from: String?, to: String?, period: String?, now: Date = Date()) async throws
        -> (ReportQuery, ReportContext)
    {
        let context = try await reportContext(now: now)
        return (try ReportQuery.make(from: from, to: to, period: period, today: context.today), context)
    }

    /// `given`, or the context read now.
    func reportContext(_ given: ReportContext?, now: Date) async throws -> ReportContext {
        if let given { return given }
        return try await reportContext(now: now)
    }
}
