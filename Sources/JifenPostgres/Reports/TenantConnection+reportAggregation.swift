import Foundation
import JifenCore

extension TenantConnection {
    /// How long after a day ends in the program's zone it is aggregated: late writes of that
    /// day (a job that started just before midnight) land first.
    public static let reportGrace: Int = 10 * 60
    /// Days aggregated in one transaction.
    public static let reportChunkDays = 31

    /// Aggregates the next run of ended, not yet aggregated days (at most ``reportChunkDays``)
    /// and moves the tenant's progress (`jifen_report_step`, migrations/0020_reports.sql);
    /// returns how many days it stored, 0 when none was due. One transaction: a crash loses the
    /// chunk, which the next job writes again.
    public func aggregateReports(now: Date) async throws -> Int {
        let zone = try await program().timeZone
        let rows = try await query(
            """
            SELECT jifen_report_step(\(tenant.rawValue), \(zone), \(now)::timestamptz,
                                     make_interval(secs => \(Self.reportGrace)), \(Self.reportChunkDays)::integer)
            """
        )
        return try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
    }
}

extension TenantConnection {
    /// Forgets the stored aggregates from `from` on (all of them when nil), so the workers
    /// compute those days again at their next round: after history was imported or written
    /// with a past date, or when `jifen reports verify` found a difference.
    public func resetReports(from: ReportDay?, now: Date = Date()) async throws {
        let day = from?.description
        for table in [
            "report_points_daily", "report_lots_daily", "report_orders_daily", "report_wallet_daily",
            "report_counts_daily",
        ] {
            try await query(
                """
                DELETE FROM \(unescaped: table)
                WHERE tenant_id = \(tenant.rawValue) AND (\(day)::date IS NULL OR day >= \(day)::date)
                """
            )
        }
        // Active members and first orders only ever grow, and the days before `from` keep
        // theirs: they are forgotten only when everything is.
        if day == nil {
            try await query("DELETE FROM report_active_members WHERE tenant_id = \(tenant.rawValue)")
            try await query("DELETE FROM report_active_counts WHERE tenant_id = \(tenant.rawValue)")
            try await query("DELETE FROM report_member_orders WHERE tenant_id = \(tenant.rawValue)")
        }
        try await query(
            """
            INSERT INTO report_progress (tenant_id, due_at) VALUES (\(tenant.rawValue), \(now))
            ON CONFLICT (tenant_id) DO UPDATE SET
                aggregated_through = CASE WHEN \(day)::date IS NULL OR report_progress.aggregated_through IS NULL THEN NULL
                                          ELSE least(report_progress.aggregated_through, \(day)::date - 1) END,
                due_at = \(now), updated_at = clock_timestamp()
            """
        )
    }
}
