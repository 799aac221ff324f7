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
