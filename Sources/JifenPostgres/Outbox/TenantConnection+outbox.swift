import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Writes a job for the workers in the caller's transaction: it exists exactly when the
    /// change that caused it commits. The relay moves it to Redis later; with `runAt`, to the
    /// delayed set, from which it becomes ready then. The one way a job is written (the fan-out's
    /// set-based insert names the same kind).
    public func enqueue(_ kind: JobKind, payload: String, runAt: Date? = nil) async throws {
        try await query(
            """
            INSERT INTO outbox (tenant_id, kind, payload, run_at, trace_parent)
            VALUES (\(tenant.rawValue), \(kind.name), \(payload)::jsonb, \(runAt), \(TraceParent.current))
            """
        )
    }
}
