import Foundation
import JifenCore
import JifenPostgres
import Logging

/// A job that sweeps one tenant's due work in batches until none is left: pending points
/// whose return window has passed (`points.release`), holds that have expired
/// (`redemptions.expire`). Each batch is its own transaction, so a big backlog never holds one
/// long transaction, and a crash loses at most the batch in progress (the job is redelivered).
public struct SweepHandler: JobHandler {
    public let kind: JobKind
    let database: Database
    let logger: Logger
    let clock: @Sendable () -> Date
    let batch: @Sendable (TenantConnection, Date) async throws -> Int

    public static let batchSize = 500

    public init(
        kind: JobKind,
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        batch: @escaping @Sendable (TenantConnection, Date) async throws -> Int
    ) {
        self.kind = kind
        self.database = database
        self.logger = logger
        self.clock = clock
        self.batch = batch
    }

    public func handle(_ job: Job) async throws {
        guard let tenant = job.tenant else { throw PermanentJobFailure("\(kind) without a tenant") }
        let now = clock()
        var total = 0
        while true {
            let done = try await database.withTenant(tenant) { try await batch($0, now) }
            total += done
            if done < Self.batchSize { break }
        }
        if total > 0 {
            logger.info("sweep done", metadata: ["tenant_id": "\(tenant)", "kind": "\(kind)", "count": "\(total)"])
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
            SweepHandler(kind: .releasePoints, database: database, logger: logger, clock: clock) {
                try await $0.releaseDuePoints(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler(kind: .expireHolds, database: database, logger: logger, clock: clock) {
                try await $0.expireHolds(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler(kind: .expireLots, database: database, logger: logger, clock: clock) {
                try await $0.expireLots(now: $1, limit: SweepHandler.batchSize)
            },
            // One statement per tenant: never a full batch, so it runs once.
            SweepHandler(kind: .remindExpiring, database: database, logger: logger, clock: clock) {
                _ = try await $0.remindExpiring(now: $1)
                return 0
            },
            SweepHandler(kind: .evaluateTiers, database: database, logger: logger, clock: clock) {
                try await $0.evaluateTiers(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler(kind: .detectLapses, database: database, logger: logger, clock: clock) {
                try await $0.detectLapses(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler(kind: .grantInstallments, database: database, logger: logger, clock: clock) {
                try await $0.grantDueInstallments(now: $1, limit: SweepHandler.batchSize)
            },
            SweepHandler(kind: .fanOutEvents, database: database, logger: logger, clock: clock) { connection, _ in
                try await connection.fanOutEvents(limit: SweepHandler.batchSize)
            },
        ]
    }
}
