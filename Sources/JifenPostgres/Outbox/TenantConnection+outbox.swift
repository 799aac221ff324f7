import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Writes a job for the workers in the caller's transaction: it exists exactly when the
    /// change that caused it commits. The relay moves it to Redis later.
    public func enqueue(kind: String, payload: String) async throws {
        try await query(
            """
            INSERT INTO outbox (tenant_id, kind, payload)
            VALUES (\(tenant.rawValue), \(kind), \(payload)::jsonb)
            """
        )
    }
}
