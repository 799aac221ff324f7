import Foundation
import JifenCore
import NIOCore
import PostgresNIO

/// A batch's rows after the set-based statements: imported, already there (skipped), refused.
struct StagedCounts {
    var imported: Int64
    var skipped: Int64
    var failed: Int64
}

extension TenantConnection {
    /// COPYs a batch's valid rows into a temporary staging table (gone at commit) and imports
    /// them with a few set-based statements. Rows are keyed by the shop's ids (a member's and an
    /// order's external id, a refund's id within its order, an opening balance's id), so a row
    /// imported before is skipped: re-running a file imports nothing twice.
    func importStaged(
        _ copy: CopyText,
        kind: ImportKind,
        points: ImportPoints,
        importID: UUID,
        now: Date
    ) async throws -> StagedCounts {
        let columns: [String]
        switch kind {
        case .members:
            try await query(
                """
                CREATE TEMP TABLE import_stage (
                    row_number bigint, external_id text, email text, phone text, name text, tags text,
                    created_at timestamptz, first boolean NOT NULL DEFAULT false, done boolean NOT NULL DEFAULT false,
                    error_field text, error_message text
                ) ON COMMIT DROP
                """
            )
            columns = ["row_number", "external_id", "email", "phone", "name", "tags", "created_at"]
        case .orders:
            try await query(
                """
                CREATE TEMP TABLE import_stage (
                    row_number bigint, external_id text, member text, currency text, amount bigint, status text,
                    placed_at timestamptz, paid_at timestamptz, cancelled_at timestamptz, refunded_at timestamptz,
                    refund_id text, refund_amount bigint, refund_at timestamptz,
                    order_id uuid, new_order boolean NOT NULL DEFAULT false, new_refund boolean NOT NULL DEFAULT false,
                    first boolean NOT NULL DEFAULT false, done boolean NOT NULL DEFAULT false, error_field text, error_message text
                ) ON COMMIT DROP
                """
            )
            columns = [
                "row_number", "external_id", "member", "currency", "amount", "status", "placed_at", "paid_at",
                "cancelled_at", "refunded_at", "refund_id", "refund_amount", "refund_at",
            ]
        case .balances:
            try await query(
                """
                CREATE TEMP TABLE import_stage (
                    row_number bigint, id text, member text, points bigint, earned_at timestamptz,
                    expires_at timestamptz, description text, member_id uuid, lot_id uuid,
                    first boolean NOT NULL DEFAULT false, done boolean NOT NULL DEFAULT false, error_field text, error_message text
                ) ON COMMIT DROP
                """
            )
            columns = ["row_number", "id", "member", "points", "earned_at", "expires_at", "description"]
        }
        let data = ByteBuffer(bytes: copy.bytes)
        try await connection.copyFrom(table: "import_stage", columns: columns, logger: logger) { writer in
            try await writer.write(data)
        }
        // The first row of each key does the work; later ones with the same key are skipped.
        let key = kind == .balances ? "id" : "external_id"
        try await query(
            """
            UPDATE import_stage s SET first = true
            FROM (SELECT DISTINCT ON (\(unescaped: key)) row_number FROM import_stage
                  WHERE \(unescaped: kind == .orders ? "amount IS NOT NULL" : "true")
                  ORDER BY \(unescaped: key), row_number) f
            WHERE s.row_number = f.row_number
            """
        )
        // A temporary table has no statistics until analysed: without them the joins below
        // may be planned as nested loops over the whole batch.
        try await query("ANALYZE import_stage")
        switch kind {
        case .members: try await importMembers(now: now)
        case .orders: try await importOrders(history: points == .none, now: now)
        case .balances: try await importBalances(now: now)
        }
        try await query(
            """
            INSERT INTO import_errors (tenant_id, import_id, row_number, field, message)
            SELECT \(tenant.rawValue), \(importID), row_number, error_field, error_message
            FROM import_stage WHERE error_field IS NOT NULL
            ON CONFLICT DO NOTHING
            """
        )
        let rows = try await query(
            """
            SELECT count(*) FILTER (WHERE error_field IS NULL AND done)::bigint,
                   count(*) FILTER (WHERE error_field IS NULL AND NOT done)::bigint,
                   count(*) FILTER (WHERE error_field IS NOT NULL)::bigint
            FROM import_stage
            """
        )
        for try await (imported, skipped, failed) in rows.decode((Int64, Int64, Int64).self) {
            return StagedCounts(imported: imported, skipped: skipped, failed: failed)
        }
        return StagedCounts(imported: 0, skipped: 0, failed: 0)
    }

    /// New members only: a member already there keeps its profile (the row is skipped).
    /// Imported members get no welcome pack: they are customers already.
    func importMembers(now: Date) async throws {
        try await query(
            """
            WITH inserted AS (
                INSERT INTO members (tenant_id, external_id, email, phone, name, tags, created_at, updated_at)
                SELECT \(tenant.rawValue), s.external_id, s.email, s.phone, s.name,
                       CASE WHEN s.tags = '' THEN '{}'::text[] ELSE string_to_array(s.tags, E'\\x1f') END,
                       coalesce(s.created_at, \(now)), \(now)
                FROM import_stage s WHERE s.first
                ORDER BY s.external_id
                ON CONFLICT (tenant_id, external_id) DO NOTHING
                RETURNING external_id
            )
            UPDATE import_stage s SET done = true
            FROM inserted i
            WHERE s.external_id = i.external_id AND s.first
            """
        )
    }

    /// Orders, then their refunds. `history`: marked so scoring never touches them; otherwise
    /// each new order (and each order given a new refund) gets the `order.score` job
    /// `POST /v1/orders` would have written.
    func importOrders(history: Bool, now: Date) async throws {
        let t = tenant.rawValue
        // Members an order names are created as `POST /v1/orders` would, dated by their first
        // order; a refund-only row must name a member that exists.
        try await query(
            """
            INSERT INTO members (tenant_id, external_id, created_at, updated_at)
            SELECT \(t), s.member, min(s.placed_at), \(now)
            FROM import_stage s WHERE s.amount IS NOT NULL
            GROUP BY s.member ORDER BY s.member
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            """
        )
        try await query(
            """
            WITH inserted AS (
                INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                                    cancelled_at, refunded_at, history_only, created_at, updated_at)
                SELECT \(t), s.external_id, m.id, s.currency, s.amount, s.status,
                       s.placed_at, s.paid_at, s.cancelled_at, s.refunded_at, \(history), s.placed_at, \(now)
                FROM import_stage s JOIN members m ON m.tenant_id = \(t) AND m.external_id = s.member
                WHERE s.first
                ORDER BY s.external_id
                ON CONFLICT (tenant_id, external_id) DO NOTHING
                RETURNING id, external_id
            )
            UPDATE import_stage s SET order_id = i.id, done = s.first, new_order = s.first
            FROM inserted i
            WHERE s.external_id = i.external_id AND s.amount IS NOT NULL
            """
        )
        // Refunds: their order (in the file or recorded before) must be the row's member's.
        try await query(
            """
            UPDATE import_stage s SET order_id = x.order_id, error_field = x.field, error_message = x.message
            FROM (
                SELECT s.row_number, o.id AS order_id,
                       CASE WHEN m.id IS NULL THEN 'member' WHEN o.id IS NULL THEN 'external_id'
                            WHEN o.member_id <> m.id THEN 'member' END AS field,
                       CASE WHEN m.id IS NULL THEN 'unknown member ''' || s.member || ''''
                            WHEN o.id IS NULL THEN 'unknown order ''' || s.external_id || ''''
                            WHEN o.member_id <> m.id THEN 'the order belongs to another member' END AS message
                FROM import_stage s
                LEFT JOIN members m ON m.tenant_id = \(t) AND m.external_id = s.member
                LEFT JOIN orders o ON o.tenant_id = \(t) AND o.external_id = s.external_id
                WHERE s.refund_id IS NOT NULL
            ) x
            WHERE s.row_number = x.row_number
            """
        )
        // A new refund may not take the order's refunds beyond its amount.
        try await query(
            """
            UPDATE import_stage s SET error_field = 'refund_amount',
                error_message = 'the order''s refunds would exceed its amount'
            FROM (
                SELECT s.row_number, o.amount,
                       coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.tenant_id = \(t) AND r.order_id = s.order_id), 0)
                       + sum(s.refund_amount) OVER (PARTITION BY s.order_id ORDER BY s.row_number) AS total
                FROM import_stage s JOIN orders o ON o.tenant_id = \(t) AND o.id = s.order_id
                WHERE s.refund_id IS NOT NULL AND s.error_field IS NULL
                  AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.tenant_id = \(t) AND r.order_id = s.order_id
                                  AND r.external_id = s.refund_id)
            ) x
            WHERE s.row_number = x.row_number AND x.total > x.amount
            """
        )
        // A history order's refund is applied already (nothing to claw back); a scored order's
        // waits for its `order.score` job, as a refund posted to the API does.
        try await query(
            """
            WITH inserted AS (
                INSERT INTO refunds (tenant_id, order_id, external_id, amount, applied_at, created_at)
                SELECT DISTINCT ON (s.order_id, s.refund_id) \(t), s.order_id, s.refund_id, s.refund_amount,
                       CASE WHEN o.history_only THEN s.refund_at END, s.refund_at
                FROM import_stage s JOIN orders o ON o.tenant_id = \(t) AND o.id = s.order_id
                WHERE s.refund_id IS NOT NULL AND s.error_field IS NULL
                ORDER BY s.order_id, s.refund_id, s.row_number
                ON CONFLICT (tenant_id, order_id, external_id) DO NOTHING
                RETURNING order_id, external_id
            )
            UPDATE import_stage s SET done = true, new_refund = true
            FROM inserted i
            WHERE s.order_id = i.order_id AND s.refund_id = i.external_id
            """
        )
        if history {
            // Segments read the members' order statistics: recounted from their orders, as
            // migration 0008 first computed them.
            try await query(
                """
                WITH touched AS (
                    SELECT DISTINCT o.member_id FROM import_stage s
                    JOIN orders o ON o.tenant_id = \(t) AND o.id = s.order_id
                    WHERE s.new_order OR s.new_refund
                ), stats AS (
                    SELECT o.member_id,
                           count(*) FILTER (WHERE o.amount > coalesce(r.refunded, 0))::integer AS orders,
                           coalesce(sum(greatest(o.amount - coalesce(r.refunded, 0), 0)), 0)::bigint AS spend,
                           min(o.placed_at) AS first_at, max(o.placed_at) AS last_at
                    FROM orders o
                    LEFT JOIN LATERAL (SELECT sum(r.amount) AS refunded FROM refunds r
                                       WHERE r.tenant_id = \(t) AND r.order_id = o.id) r ON true
                    WHERE o.tenant_id = \(t) AND o.member_id IN (SELECT member_id FROM touched)
                      AND o.status IN ('paid', 'refunded')
                    GROUP BY o.member_id
                )
                UPDATE members m SET order_count = stats.orders, total_spend = stats.spend,
                    first_order_at = stats.first_at, last_order_at = stats.last_at, updated_at = \(now)
                FROM stats
                WHERE m.tenant_id = \(t) AND m.id = stats.member_id
                """
            )
        } else {
            try await query(
                """
                INSERT INTO outbox (tenant_id, kind, payload)
                SELECT \(t), \(JobKind.scoreOrder.name), jsonb_build_object('order_id', o.id, 'status', o.status)
                FROM orders o
                WHERE o.tenant_id = \(t) AND NOT o.history_only AND o.status <> 'placed'
                  AND o.id IN (SELECT order_id FROM import_stage WHERE new_order OR new_refund)
                """
            )
        }
    }

    /// Opening balances: per row, one available lot dated by its earning (expiring when the row
    /// says) and its `earn` entry (source `import`, key `import:balance:<id>`), the member's
    /// balance row moved by the sum, in one statement each. Lots already past their expiry are
    /// expired by the next `points.expire` sweep, as any other lot.
    func importBalances(now: Date) async throws {
        let t = tenant.rawValue
        try await query(
            """
            INSERT INTO members (tenant_id, external_id, created_at, updated_at)
            SELECT \(t), s.member, min(s.earned_at), \(now) FROM import_stage s
            GROUP BY s.member ORDER BY s.member
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            """
        )
        try await query(
            """
            UPDATE import_stage s SET member_id = m.id, lot_id = gen_random_uuid()
            FROM members m
            WHERE m.tenant_id = \(t) AND m.external_id = s.member
              AND s.first
              AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = \(t)
                              AND e.idempotency_key = 'import:balance:' || s.id)
            """
        )
        // Balance rows first, locked in one order (member id), as scoring locks one.
        try await query(
            """
            INSERT INTO balances (tenant_id, member_id)
            SELECT DISTINCT \(t), member_id FROM import_stage WHERE lot_id IS NOT NULL ORDER BY 2
            ON CONFLICT (tenant_id, member_id) DO NOTHING
            """
        )
        try await query(
            """
            SELECT 1 FROM balances WHERE tenant_id = \(t)
              AND member_id IN (SELECT member_id FROM import_stage WHERE lot_id IS NOT NULL)
            ORDER BY member_id FOR UPDATE
            """
        )
        try await query(
            """
            INSERT INTO point_lots (tenant_id, id, member_id, source, points, remaining, state, earned_at,
                                    available_at, expires_at)
            SELECT \(t), lot_id, member_id, 'import', points, points, 'available', earned_at, earned_at, expires_at
            FROM import_stage WHERE lot_id IS NOT NULL
            """
        )
        try await query(
            """
            INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, lot_id, idempotency_key, source,
                                        source_ref, description, lots, created_at)
            SELECT \(t), member_id, 'earn', points, lot_id, 'import:balance:' || id, 'import', id,
                   coalesce(description, 'Opening balance'),
                   jsonb_build_array(jsonb_build_object('lot_id', lot_id, 'points', points)), earned_at
            FROM import_stage WHERE lot_id IS NOT NULL
            """
        )
        try await query(
            """
            UPDATE balances b SET available = b.available + x.points, lifetime_earned = b.lifetime_earned + x.points,
                last_earned_at = greatest(b.last_earned_at, x.last_at), updated_at = clock_timestamp()
            FROM (SELECT member_id, sum(points)::bigint AS points, max(earned_at) AS last_at
                  FROM import_stage WHERE lot_id IS NOT NULL GROUP BY member_id) x
            WHERE b.tenant_id = \(t) AND b.member_id = x.member_id
            """
        )
        try await query("UPDATE import_stage SET done = true WHERE lot_id IS NOT NULL")
    }
}
