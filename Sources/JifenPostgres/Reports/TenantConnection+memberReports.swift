import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Active and new members, orders and tiers per period.
    public func membersReport(_ query: ReportQuery, context given: ReportContext? = nil, now: Date = Date())
        async throws
        -> MembersReport
    {
        let context = try await reportContext(given, now: now)
        let zone = context.zone
        let from = query.from.description
        let to = query.to.description
        let storedTo = min(query.to, context.storedThrough).description
        let live = max(query.from, context.liveFrom).description
        let bucket = Self.bucket(query.period, "day")
        let active = try await activeMembers(query, context: context)
        var new: [ReportDay: Int64] = [:]
        let newRows = try await self.query(
            """
            WITH firsts AS (
                SELECT first_at FROM report_member_orders
                WHERE tenant_id = \(tenant.rawValue) AND category = ''
                  AND first_at >= (\(from)::date::timestamp AT TIME ZONE \(zone))
                  AND first_at < ((\(storedTo)::date + 1)::timestamp AT TIME ZONE \(zone))
                UNION ALL
                SELECT f.first_at FROM (
                    SELECT member_id, min(paid_at) AS first_at FROM orders
                    WHERE tenant_id = \(tenant.rawValue) AND paid_at IS NOT NULL
                      AND paid_at >= (\(live)::date::timestamp AT TIME ZONE \(zone))
                      AND paid_at < ((\(to)::date + 1)::timestamp AT TIME ZONE \(zone))
                    GROUP BY member_id
                ) f
                WHERE NOT EXISTS (
                    SELECT 1 FROM report_member_orders m
                    WHERE m.tenant_id = \(tenant.rawValue) AND m.member_id = f.member_id AND m.category = ''
                )
                  AND NOT EXISTS (
                    SELECT 1 FROM orders o
                    WHERE o.tenant_id = \(tenant.rawValue) AND o.member_id = f.member_id AND o.paid_at < f.first_at
                )
            )
            SELECT \(unescaped: Self.bucket(query.period, "(first_at AT TIME ZONE '\(zone.replacingOccurrences(of: "'", with: "''"))')::date"))::text,
                   count(*)::bigint
            FROM firsts GROUP BY 1
            """
        )
        for try await (day, count) in newRows.decode((String, Int64).self) {
            if let day = ReportDay(day) { new[day] = count }
        }
        var orders: [ReportDay: (Int64, Int64, Int64, Int64)] = [:]
        let currency = context.program.currency?.code ?? ""
        let orderRows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, currency, orders, amount, refunds, refunded", stored: "report_orders_daily",
                    live: "jifen_report_orders", from: query.from, to: query.to, context: context))
            )
            SELECT \(unescaped: bucket)::text, sum(orders)::bigint, sum(amount)::bigint, sum(refunds)::bigint,
                   sum(refunded)::bigint
            FROM days WHERE currency = \(currency) OR \(currency) = '' GROUP BY 1
            """
        )
        for try await (day, count, amount, refunds, refunded) in orderRows.decode(
            (String, Int64, Int64, Int64, Int64).self
        ) {
            if let day = ReportDay(day) { orders[day] = (count, amount, refunds, refunded) }
        }
        // Members start at the base level when first seen and move by `tier.changed`: the
        // members per tier at a period's end are the running sum of both up to it.
        var changes: [(day: ReportDay, metric: String, dimension: String, count: Int64)] = []
        let changeRows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, metric, dimension, count", stored: "report_counts_daily",
                    live: "jifen_report_counts", to: query.to, context: context,
                    where: "metric IN ('tiers.moved', 'members.created')"))
            )
            SELECT day::text, metric, dimension, sum(count)::bigint FROM days GROUP BY 1, 2, 3 ORDER BY 1
            """
        )
        for try await (day, metric, dimension, count) in changeRows.decode((String, String, String, Int64).self) {
            if let day = ReportDay(day) { changes.append((day, metric, dimension, count)) }
        }
        let base = context.program.tiers?.base.code
        var tiers: [String?: Int64] = [:]
        var applied = 0
        var periods: [MembersReport.Period] = []
        for (start, through) in query.periods {
            var inPeriod: [String: Int64] = [:]
            while applied < changes.count, changes[applied].day <= through {
                let change = changes[applied]
                applied += 1
                if change.metric == "members.created" {
                    tiers[base, default: 0] += change.count
                    continue
                }
                let parts = change.dimension.split(separator: ">", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                tiers[String(parts[0]), default: 0] -= change.count
                tiers[String(parts[1]), default: 0] += change.count
                if change.day >= query.from { inPeriod[change.dimension, default: 0] += change.count }
            }
            let order = orders[start] ?? (0, 0, 0, 0)
            periods.append(
                .init(
                    start: start,
                    through: through,
                    activeMembers: active[start] ?? 0,
                    newMembers: new[start] ?? 0,
                    orders: order.0,
                    amount: order.1,
                    refunds: order.2,
                    refunded: order.3,
                    tiers: tiers.filter { $0.value != 0 }.sorted { ($0.key ?? "") < ($1.key ?? "") }
                        .map { .init(tier: $0.key, members: $0.value) },
                    tierMoves: inPeriod.sorted { $0.key < $1.key }.map {
                        let parts = $0.key.split(separator: ">", maxSplits: 1, omittingEmptySubsequences: false)
                        return .init(from: String(parts[0]), to: String(parts.last ?? ""), members: $0.value)
                    }
                )
            )
        }
        return MembersReport(report: context.header(query), currency: context.program.currency?.code, periods: periods)
    }

    /// Cohorts by the period of their first paid order (stored days only: a cohort's rates
    /// mature over months, and today's first orders have none yet), and the days between the
    /// first and second order per category.
    public func repeatPurchaseReport(_ query: ReportQuery, context given: ReportContext? = nil, now: Date = Date())
        async throws
        -> RepeatPurchaseReport
    {
        let context = try await reportContext(given, now: now)
        let zone = context.zone
        let from = query.from.description
        let to = query.to.description
        let windows = RepeatPurchaseReport.windows
        var cohorts: [ReportDay: (Int64, [Int64])] = [:]
        let rows = try await self.query(
            """
            SELECT \(unescaped: Self.bucket(query.period, "(first_at AT TIME ZONE '\(zone.replacingOccurrences(of: "'", with: "''"))')::date"))::text,
                   count(*)::bigint,
                   count(*) FILTER (WHERE second_at <= first_at + make_interval(days => \(windows[0])::integer))::bigint,
                   count(*) FILTER (WHERE second_at <= first_at + make_interval(days => \(windows[1])::integer))::bigint,
                   count(*) FILTER (WHERE second_at <= first_at + make_interval(days => \(windows[2])::integer))::bigint,
                   count(*) FILTER (WHERE second_at <= first_at + make_interval(days => \(windows[3])::integer))::bigint
            FROM report_member_orders
            WHERE tenant_id = \(tenant.rawValue) AND category = ''
              AND first_at >= (\(from)::date::timestamp AT TIME ZONE \(zone))
              AND first_at < ((\(to)::date + 1)::timestamp AT TIME ZONE \(zone))
            GROUP BY 1
            """
        )
        for try await (day, members, w30, w60, w90, w180) in rows.decode(
            (String, Int64, Int64, Int64, Int64, Int64).self
        ) {
            if let day = ReportDay(day) { cohorts[day] = (members, [w30, w60, w90, w180]) }
        }
        // Per category, how many members took how many days to buy it again: the median is
        // read off this histogram (fewer rows to move than a percentile over every member).
        var gaps: [String: (members: Int64, gaps: [(days: Int, count: Int64)])] = [:]
        let categoryRows = try await self.query(
            """
            SELECT category, gap_days, count(*)::bigint
            FROM report_member_orders
            WHERE tenant_id = \(tenant.rawValue) AND category > ''
              AND first_at >= (\(from)::date::timestamp AT TIME ZONE \(zone))
              AND first_at < ((\(to)::date + 1)::timestamp AT TIME ZONE \(zone))
            GROUP BY 1, 2
            """
        )
        for try await (category, days, count) in categoryRows.decode((String, Int?, Int64).self) {
            gaps[category, default: (0, [])].members += count
            if let days { gaps[category, default: (0, [])].gaps.append((days, count)) }
        }
        let categories = gaps.keys.sorted().map { category -> RepeatPurchaseReport.Category in
            let (members, histogram) = gaps[category] ?? (0, [])
            let repeated = histogram.reduce(Int64(0)) { $0 + $1.count }
            return .init(
                category: category,
                members: members,
                repeated: repeated,
                medianDays: Self.median(histogram)
            )
        }
        let through = context.through
        return RepeatPurchaseReport(
            report: context.header(query),
            cohorts: query.periods.map { start, end in
                let (members, repeated) = cohorts[start] ?? (0, [0, 0, 0, 0])
                return .init(
                    start: start,
                    through: end,
                    members: members,
                    windows: windows.enumerated().map { index, days in
                        .init(
                            days: days,
                            repeated: repeated[index],
                            rate: ReportRate.of(repeated[index], members),
                            complete: through.map { end.adding(days: days) <= $0 } ?? false
                        )
                    }
                )
            },
            categories: categories
        )
    }

    /// Members with a paid order in each period. A period wholly in the range and wholly
    /// stored is read from its stored count; the others (cut by the range, or not finished)
    /// are counted from their stored days and the live tail, so a member counts once a period.
    func activeMembers(_ query: ReportQuery, context: ReportContext) async throws -> [ReportDay: Int64] {
        let code = query.period == .day ? "d" : query.period == .week ? "w" : "m"
        var counted: [String] = []
        var computed: [(start: String, through: String)] = []
        for (start, through) in query.periods {
            let end = start.end(of: query.period)
            if start >= query.from, through == end, let stored = context.through, end <= stored {
                counted.append(start.description)
            } else {
                computed.append((max(start, query.from).description, through.description))
            }
        }
        var active: [ReportDay: Int64] = [:]
        let counts = try await self.query(
            """
            SELECT start::text, members FROM report_active_counts
            WHERE tenant_id = \(tenant.rawValue) AND period = \(code) AND start = ANY(\(counted)::date[])
            """
        )
        for try await (day, count) in counts.decode((String, Int64).self) {
            if let day = ReportDay(day) { active[day] = count }
        }
        guard !computed.isEmpty else { return active }
        let computedBuckets = computed.compactMap { ReportDay($0.start)?.start(of: query.period).description }
        let zone = context.zone
        let storedTo = context.storedThrough.description
        let live = context.liveFrom.description
        // Each computed period's days: stored ones from their day rows, later ones from orders.
        let rows = try await self.query(
            """
            WITH p AS (
                SELECT s, e FROM unnest(\(computed.map(\.start))::date[], \(computed.map(\.through))::date[]) AS p(s, e)
            ), seen AS (
                SELECT p.s, a.member_id FROM p
                JOIN report_active_members a
                  ON a.tenant_id = \(tenant.rawValue) AND a.period = 'd'
                 AND a.start BETWEEN p.s AND least(p.e, \(storedTo)::date)
                UNION
                -- The live days, by constant bounds: row-level security keeps a bound that
                -- depends on another row from reaching the index.
                SELECT (paid_at AT TIME ZONE \(zone))::date, member_id FROM orders
                WHERE tenant_id = \(tenant.rawValue) AND paid_at IS NOT NULL
                  AND paid_at >= (\(live)::date::timestamp AT TIME ZONE \(zone))
                  AND paid_at < ((\(query.to.description)::date + 1)::timestamp AT TIME ZONE \(zone))
            )
            SELECT \(unescaped: Self.bucket(query.period, "s"))::text AS b, count(DISTINCT member_id)::bigint
            FROM seen WHERE \(unescaped: Self.bucket(query.period, "s")) = ANY(\(computedBuckets)::date[])
            GROUP BY 1
            """
        )
        for try await (day, count) in rows.decode((String, Int64).self) {
            if let day = ReportDay(day) { active[day] = count }
        }
        return active
    }

    /// The median of values given as (value, how many), as percentile_cont(0.5) gives it: the
    /// middle value, or the mean of the two middle ones.
    static func median(_ histogram: [(days: Int, count: Int64)]) -> Double? {
        let sorted = histogram.sorted { $0.days < $1.days }
        let total = sorted.reduce(Int64(0)) { $0 + $1.count }
        guard total > 0 else { return nil }
        func value(at index: Int64) -> Int {
            var seen: Int64 = 0
            for entry in sorted {
                seen += entry.count
                if index < seen { return entry.days }
            }
            return sorted.last?.days ?? 0
        }
        let low = value(at: (total - 1) / 2)
        let high = value(at: total / 2)
        return Double(low + high) / 2
    }
}
