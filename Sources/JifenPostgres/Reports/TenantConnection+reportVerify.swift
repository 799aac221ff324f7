import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Recomputes the stored aggregates of the local days [from, to] (clipped to what is
    /// stored) from the ledger and the other source tables, and checks today's liability
    /// against the lots and holds themselves. Returns one line per difference; empty when the
    /// reports are exact. What `jifen reports verify` runs.
    public func verifyReports(from: ReportDay, to: ReportDay, now: Date = Date()) async throws -> [String] {
        let context = try await reportContext(now: now)
        var problems: [String] = []
        if let through = context.through, from <= through {
            let last = min(to, through).description
            let first = from.description
            let t = tenant.rawValue
            let zone = context.zone
            let checks: [(String, String, String)] = [
                (
                    "report_points_daily",
                    "SELECT day, kind, source, entries, available, pending, held, debt FROM report_points_daily",
                    "SELECT * FROM jifen_report_points($1, $2, $3::date, $4::date)"
                ),
                (
                    "report_lots_daily",
                    "SELECT day, kind, earned_month, expiry_month, points FROM report_lots_daily",
                    "SELECT * FROM jifen_report_lots($1, $2, $3::date, $4::date) WHERE points <> 0"
                ),
                (
                    "report_orders_daily",
                    "SELECT day, currency, orders, amount, refunds, refunded FROM report_orders_daily",
                    "SELECT * FROM jifen_report_orders($1, $2, $3::date, $4::date)"
                ),
                (
                    "report_wallet_daily",
                    "SELECT day, currency, kind, entries, principal, bonus, held FROM report_wallet_daily",
                    "SELECT * FROM jifen_report_wallet($1, $2, $3::date, $4::date)"
                ),
                (
                    "report_counts_daily",
                    "SELECT day, metric, dimension, count, amount FROM report_counts_daily",
                    "SELECT * FROM jifen_report_counts($1, $2, $3::date, $4::date)"
                ),
            ]
            for (table, stored, recomputed) in checks {
                let sql = """
                    WITH stored AS (\(stored) WHERE tenant_id = $1 AND day BETWEEN $3::date AND $4::date),
                    recomputed AS (\(recomputed))
                    SELECT 'stored only: ' || s::text FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM recomputed) s
                    UNION ALL
                    SELECT 'recomputed only: ' || r::text FROM (SELECT * FROM recomputed EXCEPT ALL SELECT * FROM stored) r
                    LIMIT 20
                    """
                var bindings = PostgresBindings()
                bindings.append(t)
                bindings.append(zone)
                bindings.append(first)
                bindings.append(last)
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                for try await line in rows.decode(String.self) { problems.append("\(table): \(line)") }
            }
            // Active members and each member's first two orders, from the orders themselves.
            let members = try await query(
                """
                WITH paid AS (
                    SELECT o.member_id, c.category, o.id, o.paid_at,
                           row_number() OVER (PARTITION BY o.member_id, c.category ORDER BY o.paid_at, o.id) AS n
                    FROM orders o
                    CROSS JOIN LATERAL (
                        SELECT '' AS category
                        UNION
                        SELECT DISTINCT l ->> 'category' FROM jsonb_array_elements(o.lines) l
                        WHERE coalesce(l ->> 'category', '') <> ''
                    ) c
                    WHERE o.tenant_id = \(t) AND o.paid_at IS NOT NULL
                      AND o.paid_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone))
                ), expected AS (
                    SELECT f.member_id, f.category, f.paid_at AS first_at, f.id AS first_order,
                           s.paid_at AS second_at, s.id AS second_order,
                           (s.paid_at AT TIME ZONE \(zone))::date - (f.paid_at AT TIME ZONE \(zone))::date AS gap_days
                    FROM paid f LEFT JOIN paid s ON s.member_id = f.member_id AND s.category = f.category AND s.n = 2
                    WHERE f.n = 1
                ), stored AS (
                    SELECT member_id, category, first_at, first_order,
                           CASE WHEN second_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone)) THEN second_at END,
                           CASE WHEN second_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone)) THEN second_order END,
                           CASE WHEN second_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone)) THEN gap_days END
                    FROM report_member_orders
                    WHERE tenant_id = \(t) AND first_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone))
                )
                SELECT 'report_member_orders: stored only: ' || s::text FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected) s
                UNION ALL
                SELECT 'report_member_orders: recomputed only: ' || e::text FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored) e
                LIMIT 20
                """
            )
            for try await line in members.decode(String.self) { problems.append(line) }
            // Who was active on each stored day, and the stored counts of the periods.
            let active = try await query(
                """
                WITH expected AS (
                    SELECT DISTINCT (paid_at AT TIME ZONE \(zone))::date AS day, member_id FROM orders
                    WHERE tenant_id = \(t) AND paid_at IS NOT NULL
                      AND paid_at >= (\(first)::date::timestamp AT TIME ZONE \(zone))
                      AND paid_at < ((\(last)::date + 1)::timestamp AT TIME ZONE \(zone))
                ), stored AS (
                    SELECT start, member_id FROM report_active_members
                    WHERE tenant_id = \(t) AND period = 'd' AND start BETWEEN \(first)::date AND \(last)::date
                ), counted AS (
                    SELECT period, start, members FROM report_active_counts
                    WHERE tenant_id = \(t) AND start BETWEEN \(first)::date AND \(last)::date
                ), recounted AS (
                    SELECT period, start, count(*) AS members FROM report_active_members
                    WHERE tenant_id = \(t) AND start BETWEEN \(first)::date AND \(last)::date
                    GROUP BY period, start
                )
                SELECT 'report_active_members: stored only: ' || s::text FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected) s
                UNION ALL
                SELECT 'report_active_members: recomputed only: ' || e::text FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored) e
                UNION ALL
                SELECT 'report_active_counts: ' || c::text FROM (
                    (SELECT * FROM counted EXCEPT SELECT * FROM recounted)
                    UNION ALL (SELECT * FROM recounted EXCEPT SELECT * FROM counted)) c
                LIMIT 20
                """
            )
            for try await line in active.decode(String.self) { problems.append(line) }
        }
        problems += try await verifyLiabilityNow(context)
        return problems
    }

    /// Today's liability from the reports (stored days and the live tail) against what the
    /// lots, holds and balances hold now: per expiry month, and in total.
    func verifyLiabilityNow(_ context: ReportContext) async throws -> [String] {
        let today = context.today
        let report = try await liabilityReport(ReportQuery(from: today, to: today, period: .day), context: context)
        guard let period = report.periods.last else { return ["liability: no period"] }
        let rows = try await query(
            """
            WITH lots AS (
                SELECT CASE WHEN expires_at IS NULL THEN NULL
                            ELSE to_char(expires_at AT TIME ZONE \(context.zone), 'YYYY-MM') END AS month,
                       remaining AS points
                FROM point_lots WHERE tenant_id = \(tenant.rawValue) AND state IN ('available', 'pending')
                UNION ALL
                SELECT CASE WHEN l.expires_at IS NULL THEN NULL
                            ELSE to_char(l.expires_at AT TIME ZONE \(context.zone), 'YYYY-MM') END,
                       (x ->> 'points')::bigint
                FROM redemptions r
                JOIN ledger_entries e ON e.tenant_id = r.tenant_id AND e.kind = 'hold'
                                     AND e.idempotency_key = 'redemption:' || r.id::text || ':hold'
                CROSS JOIN LATERAL jsonb_array_elements(e.lots) x
                JOIN point_lots l ON l.tenant_id = e.tenant_id AND l.id = (x ->> 'lot_id')::uuid
                WHERE r.tenant_id = \(tenant.rawValue) AND r.state = 'held'
            )
            SELECT month, sum(points)::bigint FROM lots GROUP BY month HAVING sum(points) <> 0
            """
        )
        var actual: [String?: Int64] = [:]
        for try await (month, points) in rows.decode((String?, Int64).self) { actual[month] = points }
        var reported: [String?: Int64] = [:]
        for month in period.byExpiryMonth { reported[month.month] = month.points }
        var problems: [String] = []
        // The report's months hold lots and holds, less debt: debt is owed by members, not by lots.
        for month in Set(actual.keys).union(reported.keys) where actual[month] != reported[month] {
            problems.append(
                "liability \(month ?? "never"): reports \(reported[month] ?? 0), lots and holds \(actual[month] ?? 0)"
            )
        }
        let balances = try await query(
            """
            SELECT coalesce(sum(available), 0)::bigint, coalesce(sum(pending), 0)::bigint,
                   coalesce(sum(held), 0)::bigint, coalesce(sum(debt), 0)::bigint
            FROM balances WHERE tenant_id = \(tenant.rawValue)
            """
        )
        if let (available, pending, held, debt) = try await balances.decode((Int64, Int64, Int64, Int64).self).first(
            where: { _ in true })
        {
            let expected = [available, pending, held, debt]
            let got = [period.available, period.pending, period.held, period.debt]
            if expected != got {
                problems.append(
                    "liability totals (available, pending, held, debt): reports \(got), balances \(expected)"
                )
            }
        }
        return problems
    }
}
