import Foundation
import JifenCore
import JifenPostgres
import Logging

/// A handler for jobs about one tenant: the scaffolding they share. It takes the job's tenant
/// and decodes its payload — a job without a tenant or with a malformed payload fails
/// permanently, since retrying never mends it — then runs `work` with a ``TenantJob`` that opens
/// the tenant's transactions. The runner's log scope already names the job and the tenant, so
/// `work` logs only what it did.
///
/// ```swift
/// TenantJobHandler(kind: .runCampaign, payload: CampaignPayload.self, shape: #"{"campaign_id": uuid}"#,
///                  database: database, logger: logger) { job in
///     let granted = try await job.inBatches(until: { $0 == 0 }) { try await $0.grantCampaignBatch(…) }
///     job.log("campaign granted", ["members": "\(granted)"])
/// }
/// ```
public struct TenantJobHandler<Payload: Sendable>: JobHandler {
    public let kind: JobKind
    let database: Database
    let logger: Logger
    let clock: @Sendable () -> Date
    let decode: @Sendable (Job) throws -> Payload
    let work: @Sendable (TenantJob<Payload>) async throws -> Void

    public func handle(_ job: Job) async throws {
        guard let tenant = job.tenant else { throw PermanentJobFailure("\(kind) without a tenant") }
        let payload = try decode(job)
        try await work(TenantJob(tenant: tenant, payload: payload, database: database, logger: logger, clock: clock))
    }
}

extension TenantJobHandler where Payload: Decodable {
    /// A handler whose payload is the JSON `shape` says (the failure names it when it is not).
    public init(
        kind: JobKind,
        payload: Payload.Type,
        shape: String,
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        work: @escaping @Sendable (TenantJob<Payload>) async throws -> Void
    ) {
        self.init(
            kind: kind,
            database: database,
            logger: logger,
            clock: clock,
            decode: { try $0.decodedPayload(Payload.self, shape: shape) },
            work: work
        )
    }
}

/// The payload of a job that needs none, such as a sweep: whatever the job carries is ignored.
public struct NoPayload: Sendable {}

extension TenantJobHandler where Payload == NoPayload {
    /// A handler that reads no payload.
    public init(
        kind: JobKind,
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        work: @escaping @Sendable (TenantJob<Payload>) async throws -> Void
    ) {
        self.init(
            kind: kind,
            database: database,
            logger: logger,
            clock: clock,
            decode: { _ in NoPayload() },
            work: work
        )
    }
}

/// One run of a tenant job, as ``TenantJobHandler`` hands it to its work.
public struct TenantJob<Payload: Sendable>: Sendable {
    public let tenant: TenantID
    public let payload: Payload
    let database: Database
    let logger: Logger
    let clock: @Sendable () -> Date

    /// The clock's time at each read: handlers read it once for a consistent sweep, or per
    /// batch.
    public var now: Date { clock() }

    /// One transaction as the tenant.
    public func transaction<T: Sendable>(_ body: (TenantConnection) async throws -> T) async throws -> T {
        try await database.withTenant(tenant, body)
    }

    /// Runs `batch`, each time in a transaction of its own so a backlog never holds one long
    /// transaction and a crash loses at most the batch in progress, until `finished` says the
    /// count it returned was the last. Returns the total.
    public func inBatches(
        until finished: (Int) -> Bool,
        _ batch: (TenantConnection) async throws -> Int
    ) async throws -> Int {
        var total = 0
        while true {
            let done = try await transaction(batch)
            total += done
            if finished(done) { return total }
        }
    }

    /// Runs `batch` (a batch of a file being imported or written), each in a transaction of its
    /// own, while it answers `.more` and `budget` lasts. When the budget runs out with work left,
    /// `handOff` writes the next job in the last batch's transaction, so the work goes on in a
    /// new job (other tenants' jobs get their turns between runs) and is never lost or doubled.
    /// Returns the batches run and the last one's outcome.
    public func inBatches(
        budget: Duration,
        _ batch: (TenantConnection) async throws -> ImportBatchOutcome,
        handOff: (TenantConnection) async throws -> Void
    ) async throws -> (batches: Int, outcome: ImportBatchOutcome) {
        let deadline = ContinuousClock.now + budget
        var batches = 0
        while true {
            let outcome = try await transaction { connection in
                let outcome = try await batch(connection)
                if outcome == .more && ContinuousClock.now >= deadline { try await handOff(connection) }
                return outcome
            }
            batches += 1
            if outcome != .more || ContinuousClock.now >= deadline { return (batches, outcome) }
        }
    }

    /// What the job did, at info level (the log scope adds the job and the tenant).
    public func log(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        logger.info(message, metadata: metadata)
    }
}
