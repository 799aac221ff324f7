import Foundation
import JifenCore
import JifenPostgres
import Logging

/// A job that sweeps one tenant's due work in batches until none is left: pending points
/// whose return window has passed (`points.release`), holds that have expired
/// (`redemptions.expire`). Each batch is its own transaction, so a big backlog never holds one
/// long transaction, and a crash loses at most the batch in progress (the job is redelivered).
public enum SweepHandler {
    public static let batchSize = 500

    /// The sweep `kind`: `batch` (at most ``batchSize`` rows, one transaction) again until a
    /// batch comes back short, all with the time the job started.
    public static func make(
        kind: JobKind,
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        batch: @escaping @Sendable (TenantConnection, Date) async throws -> Int
    ) -> TenantJobHandler<NoPayload> {
        TenantJobHandler(kind: kind, database: database, logger: logger, clock: clock) { job in
            let now = job.now
            let total = try await job.inBatches(until: { $0 < batchSize }) { try await batch($0, now) }
            if total > 0 {
                job.log("sweep done", ["tenant_id": "\(job.tenant)", "kind": "\(kind)", "count": "\(total)"])
            }
        }
    }
}

/// The points engine's job handlers, as a worker runs them.
public enum PointsHandlers {
    /// `clock` is injectable so tests move time forward instead of sleeping.
    public static func all(database: Database, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() })
        -> [any JobHandler]
    {
        [
            ScoreOrderHandler(database: database, logger: logger, clock: clock),
            CampaignHandler(database: database, logger: logger, clock: clock),
            ImportHandler(database: database, logger: logger, clock: clock),
            ExportHandler(database: database, logger: logger, clock: clock),
            SweepHandler.make(kind: .expireFiles, database: database, logger: logger, clock: clock) {
                try await $0.expireFiles(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .releasePoints, database: database, logger: logger, clock: clock) {
                try await $0.releaseDuePoints(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .expireHolds, database: database, logger: logger, clock: clock) {
                try await $0.expireHolds(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .expireLots, database: database, logger: logger, clock: clock) {
                try await $0.expireLots(now: $1, limit: SweepHandler.batchSize)
            },
            // One statement per tenant: never a full batch, so it runs once.
            SweepHandler.make(kind: .remindExpiring, database: database, logger: logger, clock: clock) {
                _ = try await $0.remindExpiring(now: $1)
                return 0
            },
            SweepHandler.make(kind: .evaluateTiers, database: database, logger: logger, clock: clock) {
                try await $0.evaluateTiers(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .detectLapses, database: database, logger: logger, clock: clock) {
                try await $0.detectLapses(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .grantInstallments, database: database, logger: logger, clock: clock) {
                try await $0.grantDueInstallments(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .expireCoupons, database: database, logger: logger, clock: clock) {
                try await $0.expireCoupons(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .remindCoupons, database: database, logger: logger, clock: clock) {
                try await $0.remindCoupons(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .sweepWallets, database: database, logger: logger, clock: clock) {
                try await $0.sweepWallets(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .advanceJourneys, database: database, logger: logger, clock: clock) {
                try await $0.advanceJourneys(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler.make(kind: .detectCategoryLapses, database: database, logger: logger, clock: clock) {
                try await $0.detectCategoryLapses(now: $1, limit: SweepHandler.batchSize)
            },
            // A run of days per transaction, again until no ended day is left unstored.
            TenantJobHandler(kind: .aggregateReports, database: database, logger: logger, clock: clock) { job in
                let now = job.now
                let days = try await job.inBatches(until: { $0 == 0 }) { try await $0.aggregateReports(now: now) }
                if days > 0 { job.log("reports aggregated", ["tenant_id": "\(job.tenant)", "days": "\(days)"]) }
            },
            SweepHandler.make(kind: .fanOutEvents, database: database, logger: logger, clock: clock) { connection, _ in
                try await connection.fanOutEvents(limit: SweepHandler.batchSize)
            },
        ]
    }
}
