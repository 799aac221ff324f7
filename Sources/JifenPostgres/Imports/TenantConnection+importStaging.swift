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
        firstBatch: Bool,
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
                    member_id uuid, order_id uuid, order_member uuid, order_amount bigint, order_status text,
                    order_history boolean, refund_exists boolean, refunded_before bigint,
                    new_order boolean NOT NULL DEFAULT false, new_refund boolean NOT NULL DEFAULT false,
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
        // Indexes on the keys the statements below join the batch to itself by, and statistics
        // (a temporary table has none until analysed): whatever the planner makes of the tenant
        // tables, a join inside the batch is never a scan of the batch per row.
        let key = kind == .balances ? "id" : "external_id"
        try await query("CREATE INDEX ON import_stage (row_number)")
        try await query("CREATE INDEX ON import_stage (\(unescaped: key))")
        if kind == .orders { try await query("CREATE INDEX ON import_stage (order_id, refund_id)") }
        try await query("ANALYZE import_stage")
        // The first row of each key does the work; later ones with the same key are skipped.
        try await query(
            """
            UPDATE import_stage s SET first = true
            FROM (SELECT DISTINCT ON (\(unescaped: key)) row_number FROM import_stage
                  WHERE \(unescaped: kind == .orders ? "amount IS NOT NULL" : "true")
                  ORDER BY \(unescaped: key), row_number) f
            WHERE s.row_number = f.row_number
            """
        )
        switch kind {
        case .members: try await importMembers(now: now)
        case .orders: try await importOrders(history: points == .none, analyze: firstBatch, now: now)
        case .balances: try await importBalances(analyze: firstBatch, now: now)
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
    ///
    /// Plans: every lookup of the batch's rows in a tenant table is a correlated subquery on a
    /// unique index (one probe per row), and statements that touch many of a tenant's rows name
    /// them by `= ANY(ids)` on the primary key. A tenant importing its history is new to the
    /// planner's statistics (its id is estimated at a row or two, which makes any index that
    /// starts with tenant_id look as good as the unique one): the first batch analyses the
    /// tables it wrote before it looks anything up in them (`jifen_analyze_for_import`,
    /// migration 0023).
    func importOrders(history: Bool, analyze: Bool, now: Date) async throws {
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
        if analyze { try await analyzeForImport(["members"]) }
        try await query(
            """
            UPDATE import_stage s SET member_id = (SELECT m.id FROM members m
                                                   WHERE m.tenant_id = \(t) AND m.external_id = s.member)
            """
        )
        // Statistics again: they were taken while `member_id` was empty everywhere.
        try await query("ANALYZE import_stage")
        try await query(
            """
            WITH inserted AS (
                INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                                    cancelled_at, refunded_at, history_only, created_at, updated_at)
                SELECT \(t), s.external_id, s.member_id, s.currency, s.amount, s.status,
                       s.placed_at, s.paid_at, s.cancelled_at, s.refunded_at, \(history), s.placed_at, \(now)
                FROM import_stage s
                WHERE s.first AND s.member_id IS NOT NULL
                ORDER BY s.external_id
                ON CONFLICT (tenant_id, external_id) DO NOTHING
                RETURNING external_id
            )
            UPDATE import_stage s SET done = true, new_order = true
            FROM inserted i
            WHERE s.external_id = i.external_id AND s.first
            """
        )
        if analyze { try await analyzeForImport(["orders", "refunds"]) }
        // Every row's order as it stands now (imported above, earlier, or through the API), and
        // for refunds what the order has already.
        try await query(
            """
            UPDATE import_stage s SET (order_id, order_member, order_amount, order_status, order_history) = (
                SELECT o.id, o.member_id, o.amount, o.status, o.history_only FROM orders o
                WHERE o.tenant_id = \(t) AND o.external_id = s.external_id)
            """
        )
        try await query(
            """
            UPDATE import_stage s SET
                refund_exists = (SELECT true FROM refunds r WHERE r.tenant_id = \(t) AND r.order_id = s.order_id
                                 AND r.external_id = s.refund_id LIMIT 1) IS NOT NULL,
                refunded_before = coalesce((SELECT sum(r.amount) FROM refunds r
                                            WHERE r.tenant_id = \(t) AND r.order_id = s.order_id), 0),
                error_field = CASE WHEN s.member_id IS NULL THEN 'member' WHEN s.order_id IS NULL THEN 'external_id'
                                   WHEN s.order_member <> s.member_id THEN 'member' END,
                error_message = CASE WHEN s.member_id IS NULL THEN 'unknown member ''' || s.member || ''''
                                     WHEN s.order_id IS NULL THEN 'unknown order ''' || s.external_id || ''''
                                     WHEN s.order_member <> s.member_id THEN 'the order belongs to another member' END
            WHERE s.refund_id IS NOT NULL
            """
        )
        // A new refund may not take the order's refunds beyond its amount.
        try await query(
            """
            UPDATE import_stage s SET error_field = 'refund_amount',
                error_message = 'the order''s refunds would exceed its amount'
            FROM (
                SELECT s.row_number, s.order_amount,
                       s.refunded_before + sum(s.refund_amount) OVER (PARTITION BY s.order_id ORDER BY s.row_number) AS total
                FROM import_stage s
                WHERE s.refund_id IS NOT NULL AND s.error_field IS NULL AND NOT s.refund_exists
            ) x
            WHERE s.row_number = x.row_number AND x.total > x.order_amount
            """
        )
        // A history order's refund is applied already (nothing to claw back); a scored order's
        // waits for its `order.score` job, as a refund posted to the API does.
        try await query(
            """
            WITH inserted AS (
                INSERT INTO refunds (tenant_id, order_id, external_id, amount, applied_at, created_at)
                SELECT DISTINCT ON (s.order_id, s.refund_id) \(t), s.order_id, s.refund_id, s.refund_amount,
                       CASE WHEN s.order_history THEN s.refund_at END, s.refund_at
                FROM import_stage s
                WHERE s.refund_id IS NOT NULL AND s.error_field IS NULL AND NOT s.refund_exists
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
            // migration 0008 first computed them, for the members this batch touched.
            let touched = try await query(
                "SELECT DISTINCT member_id FROM import_stage WHERE (new_order OR new_refund) AND member_id IS NOT NULL"
            )
            var members: [UUID] = []
            for try await id in touched.decode(UUID.self) { members.append(id) }
            guard !members.isEmpty else { return }
            try await query(
                """
                UPDATE members m SET (order_count, total_spend, first_order_at, last_order_at) = (
                    SELECT count(*) FILTER (WHERE o.amount > o.refunded)::integer,
                           coalesce(sum(greatest(o.amount - o.refunded, 0)), 0)::bigint,
                           min(o.placed_at), max(o.placed_at)
                    FROM (SELECT o.amount, o.placed_at,
                                 coalesce((SELECT sum(r.amount) FROM refunds r
                                           WHERE r.tenant_id = \(t) AND r.order_id = o.id), 0) AS refunded
                          FROM orders o
                          WHERE o.tenant_id = \(t) AND o.member_id = m.id AND o.status IN ('paid', 'refunded')) o),
                    updated_at = \(now)
                WHERE m.tenant_id = \(t) AND m.id = ANY(\(members)::uuid[])
                """
            )
        } else {
            try await query(
                """
                INSERT INTO outbox (tenant_id, kind, payload)
                SELECT DISTINCT ON (s.order_id) \(t), \(JobKind.scoreOrder.name),
                       jsonb_build_object('order_id', s.order_id, 'status', s.order_status)
                FROM import_stage s
                WHERE (s.new_order OR s.new_refund) AND NOT s.order_history AND s.order_status <> 'placed'
                ORDER BY s.order_id
                """
            )
        }
    }

    /// Opening balances: per row, one available lot dated by its earning (expiring when the row
    /// says) and its `earn` entry (source `import`, key `import:balance:<id>`), the member's
    /// balance row moved by the sum, in one statement each. Lots already past their expiry are
    /// expired by the next `points.expire` sweep, as any other lot. Lookups as for orders.
    func importBalances(analyze: Bool, now: Date) async throws {
        let t = tenant.rawValue
        try await query(
            """
            INSERT INTO members (tenant_id, external_id, created_at, updated_at)
            SELECT \(t), s.member, min(s.earned_at), \(now) FROM import_stage s
            GROUP BY s.member ORDER BY s.member
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            """
        )
        if analyze { try await analyzeForImport(["members", "ledger_entries", "balances"]) }
        try await query(
            """
            UPDATE import_stage s SET
                member_id = (SELECT m.id FROM members m WHERE m.tenant_id = \(t) AND m.external_id = s.member),
                lot_id = CASE WHEN (SELECT true FROM ledger_entries e WHERE e.tenant_id = \(t)
                                    AND e.idempotency_key = 'import:balance:' || s.id LIMIT 1) IS NULL
                              THEN gen_random_uuid() END
            WHERE s.first
            """
        )
        try await query("ANALYZE import_stage")
        let touched = try await query("SELECT DISTINCT member_id FROM import_stage WHERE lot_id IS NOT NULL")
        var members: [UUID] = []
        for try await id in touched.decode(UUID.self) { members.append(id) }
        guard !members.isEmpty else { return }
        // Balance rows first, locked in one order (member id), as scoring locks one.
        try await query(
            """
            INSERT INTO balances (tenant_id, member_id)
            SELECT \(t), id FROM unnest(\(members)::uuid[]) AS m(id) ORDER BY id
            ON CONFLICT (tenant_id, member_id) DO NOTHING
            """
        )
        try await query(
            """
            SELECT 1 FROM balances WHERE tenant_id = \(t) AND member_id = ANY(\(members)::uuid[])
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
        // The sums per member, keyed, so the join below is an index probe whichever side the
        // planner starts from.
        try await query(
            """
            CREATE TEMP TABLE import_sums ON COMMIT DROP AS
            SELECT member_id, sum(points)::bigint AS points, max(earned_at) AS last_at
            FROM import_stage WHERE lot_id IS NOT NULL GROUP BY member_id
            """
        )
        try await query("ALTER TABLE import_sums ADD PRIMARY KEY (member_id)")
        try await query(
            """
            UPDATE balances b SET available = b.available + x.points, lifetime_earned = b.lifetime_earned + x.points,
                last_earned_at = greatest(b.last_earned_at, x.last_at), updated_at = clock_timestamp()
            FROM import_sums x
            WHERE b.tenant_id = \(t) AND b.member_id = ANY(\(members)::uuid[]) AND b.member_id = x.member_id
            """
        )
        try await query("UPDATE import_stage SET done = true WHERE lot_id IS NOT NULL")
    }

    /// Fresh statistics for `tables`, counting this transaction's rows (see ``importOrders``).
    func analyzeForImport(_ tables: [String]) async throws {
        try await query("SELECT jifen_analyze_for_import(\(tables)::text[])")
    }
}
