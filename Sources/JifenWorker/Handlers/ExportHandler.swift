import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `exports.write`: writes an export's file a chunk of ``batchRows`` rows per transaction
/// (keyset pagination: never the whole table in memory), for up to a run budget, then writes
/// the job again if rows remain, as ``ImportHandler`` does.
public typealias ExportHandler = TenantJobHandler<ExportJobPayload>

public enum ExportProcessing {
    public static let batchRows = 5_000
}

extension TenantJobHandler where Payload == ExportJobPayload {
    public init(
        database: Database,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        batchRows: Int = ExportProcessing.batchRows,
        runBudget: Duration = ImportProcessing.runBudget
    ) {
        self.init(
            kind: .writeExport,
            payload: ExportJobPayload.self,
            shape: #"{"export_id": uuid}"#,
            database: database,
            logger: logger,
            clock: clock
        ) { job in
            let id = job.payload.exportID
            let deadline = ContinuousClock.now + runBudget
            while true {
                let outcome = try await job.transaction { connection in
                    let outcome = try await connection.writeExportBatch(
                        id,
                        token: job.payload.token ?? 0,
                        limit: batchRows,
                        now: job.now
                    )
                    if outcome == .more && ContinuousClock.now >= deadline {
                        try await connection.handOffExport(id, token: job.payload.token ?? 0)
                    }
                    return outcome
                }
                if outcome != .more || ContinuousClock.now >= deadline { return }
            }
        }
    }
}
