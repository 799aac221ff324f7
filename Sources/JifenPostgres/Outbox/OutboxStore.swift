import Foundation
import JifenCore
import PostgresNIO

/// The outbox side of job delivery: rows written in the same transaction as the change that
/// caused them, moved to the queue by the workers' relay.
public struct OutboxStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Relays up to `batch` unrelayed rows: claims them (`FOR UPDATE SKIP LOCKED`, so many
    /// workers relay side by side without sending a row twice), hands them to `send`, and
    /// marks them relayed in the same transaction. If `send` throws (Redis is down), the
    /// transaction rolls back and the rows wait for the next try. Returns how many were sent.
    ///
    /// Fair between tenants: a round takes at most `perTenant` rows (default: the whole batch)
    /// of each tenant that has some, oldest first, so a tenant's backfill of 20,000 orders does
    /// not hold another shop's new order behind it in the outbox either. The tenants are found
    /// by a loose scan of the unrelayed rows' index, one probe per tenant with rows waiting.
    ///
    /// `tenants` restricts the relay to some tenants (workers pinned with `WORKER_TENANTS`);
    /// `nil` relays all.
    public func relay(
        batch: Int,
        perTenant: Int? = nil,
        tenants: [TenantID]?,
        send: ([Job]) async throws -> Void
    ) async throws -> Int {
        try await database.withSystem { connection in
            // One statement for both: the tenants come from the pinned list or from the loose
            // scan, whichever the query names; PostgreSQL does not run a CTE no one reads.
            let query: PostgresQuery = """
                WITH RECURSIVE waiting(tenant_id) AS (
                    (SELECT tenant_id FROM outbox WHERE relayed_at IS NULL ORDER BY tenant_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT o.tenant_id FROM outbox o
                            WHERE o.relayed_at IS NULL AND o.tenant_id > w.tenant_id
                            ORDER BY o.tenant_id LIMIT 1)
                    FROM waiting w WHERE w.tenant_id IS NOT NULL
                ), pinned(tenant_id) AS (
                    SELECT unnest(\(tenants?.map(\.rawValue) ?? [])::uuid[])
                )
                SELECT r.tenant_id, r.id, r.kind, r.payload, r.created_at, r.run_at, r.trace_parent
                FROM (SELECT tenant_id FROM \(unescaped: tenants == nil ? "waiting" : "pinned")
                      WHERE tenant_id IS NOT NULL LIMIT \(batch)) AS t
                CROSS JOIN LATERAL (
                    SELECT o.tenant_id, o.id, o.kind, o.payload::text AS payload, o.created_at, o.run_at,
                        o.trace_parent
                    FROM outbox o WHERE o.tenant_id = t.tenant_id AND o.relayed_at IS NULL
                    ORDER BY o.id LIMIT \(perTenant ?? batch) FOR UPDATE SKIP LOCKED
                ) r
                LIMIT \(batch)
                """
            let rows = try await connection.query(query, logger: database.logger)
            var jobs: [Job] = []
            var keys: [(UUID, Int64)] = []
            for try await (tenant, id, kind, payload, createdAt, runAt, traceParent) in rows.decode(
                (UUID, Int64, String, String, Date, Date?, String?).self
            ) {
                jobs.append(
                    Job(
                        id: "outbox:\(id)",
                        kind: JobKind(kind),
                        tenant: TenantID(tenant),
                        payload: payload,
                        enqueuedAt: createdAt,
                        runAt: runAt,
                        traceParent: traceParent
                    )
                )
                keys.append((tenant, id))
            }
            guard !jobs.isEmpty else { return 0 }
            try await send(jobs)
            try await connection.query(
                """
                UPDATE outbox SET relayed_at = clock_timestamp()
                WHERE (tenant_id, id) IN (SELECT * FROM unnest(\(keys.map(\.0))::uuid[], \(keys.map(\.1))::bigint[]))
                """,
                logger: database.logger
            )
            return jobs.count
        }
    }

    /// Marks rows relayed since `since` as unrelayed, so the relay sends them again: how Redis is
    /// rebuilt after it lost data (a restore, a failover without persistence). Delayed jobs due
    /// after `since` are sent again too, wherever they were relayed: they may have been waiting
    /// in the lost delayed set. Handlers being idempotent, a job that did run before changes
    /// nothing the second time. Returns how many.
    @discardableResult
    public func replay(since: Date, tenants: [TenantID]?) async throws -> Int {
        try await database.withSystem { connection in
            let query: PostgresQuery
            if let tenants {
                query = """
                    WITH again AS (
                        UPDATE outbox SET relayed_at = NULL
                        WHERE (relayed_at >= \(since) OR run_at >= \(since)) AND relayed_at IS NOT NULL
                          AND tenant_id = ANY(\(tenants.map(\.rawValue))) RETURNING 1
                    ) SELECT count(*)::bigint FROM again
                    """
            } else {
                query = """
                    WITH again AS (
                        UPDATE outbox SET relayed_at = NULL
                        WHERE (relayed_at >= \(since) OR run_at >= \(since)) AND relayed_at IS NOT NULL RETURNING 1
                    ) SELECT count(*)::bigint FROM again
                    """
            }
            let rows = try await connection.query(query, logger: database.logger)
            return Int(try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0)
        }
    }

    /// Deletes relayed rows older than `retention`; returns how many.
    @discardableResult
    public func prune(olderThan retention: Duration) async throws -> Int {
        let seconds = Double(retention.components.seconds)
        return try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                WITH gone AS (
                    DELETE FROM outbox WHERE relayed_at < now() - \(seconds) * interval '1 second'
                        AND (run_at IS NULL OR run_at < now() - \(seconds) * interval '1 second') RETURNING 1
                ) SELECT count(*)::bigint FROM gone
                """,
                logger: database.logger
            )
            return Int(try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0)
        }
    }

    /// Rows waiting to be relayed, and the age of the oldest (the relay's lag).
    public func backlog() async throws -> (count: Int, oldestAge: Duration?) {
        try await database.withSystem { connection in
            let rows = try await connection.query(
                """
                SELECT count(*)::bigint, extract(epoch FROM now() - min(created_at))::float8
                FROM outbox WHERE relayed_at IS NULL
                """,
                logger: database.logger
            )
            for try await (count, age) in rows.decode((Int64, Double?).self) {
                return (Int(count), age.map { .milliseconds(Int64($0 * 1000)) })
            }
            return (0, nil)
        }
    }
}
