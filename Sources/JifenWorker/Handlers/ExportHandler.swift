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
            let (id, token) = (job.payload.exportID, job.payload.token ?? 0)
            _ = try await job.inBatches(budget: runBudget) { connection in
                try await connection.writeExportBatch(id, token: token, limit: batchRows, now: job.now)
            } handOff: { connection in
                try await connection.handOffExport(id, token: token)
            }
        }
    }
}
