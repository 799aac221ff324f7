import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `imports.process`: imports an import's file in batches of ``batchRows`` rows, each batch
/// and its cursor in one transaction, for up to ``runBudget``; then, if rows remain, writes the
/// job again in the last batch's transaction and returns. A run stays well inside the queue's
/// visibility timeout, and other tenants' background jobs get their turns between runs.
///
/// A worker killed midway loses its open batch only: the job is reclaimed and goes on from
/// the last committed cursor. Two runs of the same import never overlap: each batch locks the
/// import row (a second run waits, then goes on from what the first committed), and the job
/// carries the import's `run_token`, which the hand-over moves on: a stale copy of a job that
/// handed over (redelivered after a crash before its acknowledgement) stops at once.
public typealias ImportHandler = TenantJobHandler<ImportJobPayload>

public enum ImportProcessing {
    public static let batchRows = 20_000
    public static let runBudget: Duration = .seconds(10)
}

extension TenantJobHandler where Payload == ImportJobPayload {
    public init(
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        batchRows: Int = ImportProcessing.batchRows,
        runBudget: Duration = ImportProcessing.runBudget
    ) {
        self.init(
            kind: .processImport,
            payload: ImportJobPayload.self,
            shape: #"{"import_id": uuid}"#,
            database: database,
            logger: logger,
            clock: clock
        ) { job in
            let (id, token) = (job.payload.importID, job.payload.token ?? 0)
            let run = try await job.inBatches(budget: runBudget) { connection in
                try await connection.processImportBatch(id, token: token, maxRows: batchRows, now: job.now)
            } handOff: { connection in
                try await connection.handOffImport(id, token: token)
            }
            job.log(
                "import batches done",
                ["import": "\(id)", "batches": "\(run.batches)", "outcome": "\(run.outcome)"]
            )
        }
    }
}
