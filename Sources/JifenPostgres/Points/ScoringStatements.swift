import Foundation
import JifenCore
import PostgresNIO

/// The statements scoring runs for every order, prepared once per connection (postgres-nio
/// keeps them by name). As ad-hoc statements PostgreSQL planned them on every call: 1.7 ms of
/// planning per order against 2.3 ms of execution (pg_stat_statements with track_planning, in
/// `make bench` (b)), the largest single cost of scoring. Every parameter carries a cast to the
/// type its Swift value binds as (UUID uuid, String text, Int and Int64 bigint, Date timestamptz,
/// Bool boolean): a prepared statement's parameter types are fixed when it is parsed.
enum ScoringStatements {
    /// The order's row lock, alone: see `lockOrderForPoints` for why it is a statement of its own.
    struct LockOrder: PostgresPreparedStatement {
        static let sql = "SELECT 1 FROM orders WHERE tenant_id = $1::uuid AND id = $2::uuid FOR UPDATE"
        typealias Row = ()
        var tenant: UUID
        var order: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(tenant)
            bindings.append(order)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// The order's facts, its member's balance row locked (created at zero), the member's
    /// external id and tier, and the tenant's current program version.
    struct OrderFacts: PostgresPreparedStatement {
        static let sql = """
            WITH o AS (
                SELECT o.tenant_id, o.external_id, o.member_id, o.currency, o.amount, o.status, o.paid_at, o.placed_at,
                       o.lines::text AS lines,
                       EXISTS (SELECT 1 FROM ledger_entries e
                               WHERE e.tenant_id = o.tenant_id AND e.idempotency_key = $3::text) AS scored,
                       EXISTS (SELECT 1 FROM refunds r WHERE r.tenant_id = o.tenant_id AND r.order_id = o.id) AS refunded
                FROM orders o
                WHERE o.tenant_id = $1::uuid AND o.id = $2::uuid AND NOT o.history_only
            ), b AS (
                INSERT INTO balances (tenant_id, member_id) SELECT tenant_id, member_id FROM o
                ON CONFLICT (tenant_id, member_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
                RETURNING available, pending, held, debt
            )
            SELECT o.external_id, o.member_id, o.currency, o.amount, o.status, o.paid_at, o.placed_at, o.lines, o.scored,
                   o.refunded, m.external_id, m.tier, b.available, b.pending, b.held, b.debt,
                   coalesce((SELECT max(version) FROM programs WHERE tenant_id = $1::uuid), 0)::bigint
            FROM o, b, members m
            WHERE m.tenant_id = $1::uuid AND m.id = o.member_id
            """
        typealias Row = PostgresRow
        var tenant: UUID
        var order: UUID
        var earnKey: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(tenant)
            bindings.append(order)
            bindings.append(earnKey)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// What the earning rules need besides the order (first order? points earned today?
    /// multiplier campaigns running), while fixing when the order's spend qualifies.
    struct EarningContext: PostgresPreparedStatement {
        static let sql = """
            WITH qualifies AS (
                UPDATE orders SET qualifies_at = $1::timestamptz WHERE tenant_id = $2::uuid AND id = $3::uuid
            )
            SELECT
                NOT EXISTS (SELECT 1 FROM point_lots WHERE tenant_id = $2::uuid AND member_id = $4::uuid
                            AND source = 'order' AND order_id <> $3::uuid),
                coalesce((SELECT sum(points) FROM point_lots WHERE tenant_id = $2::uuid
                          AND member_id = $4::uuid AND source = 'order'
                          AND earned_at >= $5::timestamptz AND earned_at < $6::timestamptz), 0)::bigint,
                ARRAY(SELECT multiplier_percent FROM campaigns
                      WHERE tenant_id = $2::uuid AND kind = 'multiplier' AND starts_at <= $7::timestamptz
                        AND ends_at > $7::timestamptz ORDER BY id)::bigint[],
                ARRAY(SELECT coalesce(category, '') FROM campaigns
                      WHERE tenant_id = $2::uuid AND kind = 'multiplier' AND starts_at <= $7::timestamptz
                        AND ends_at > $7::timestamptz ORDER BY id)
            """
        typealias Row = (Bool, Int64, [Int64], [String])
        var qualifiesAt: Date
        var tenant: UUID
        var order: UUID
        var member: UUID
        var dayStart: Date
        var dayEnd: Date
        var paidAt: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(qualifiesAt)
            bindings.append(tenant)
            bindings.append(order)
            bindings.append(member)
            bindings.append(dayStart)
            bindings.append(dayEnd)
            bindings.append(paidAt)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A ``LedgerPosting``: see ``TenantConnection/post(_:member:)``.
    struct Posting: PostgresPreparedStatement {
        static let sql = """
            WITH lot AS (
                INSERT INTO point_lots (tenant_id, id, member_id, source, order_id, points, remaining, state, earned_at,
                                        available_at, expires_at, program_version)
                SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid, $6::bigint, $6::bigint,
                       CASE WHEN $7::boolean THEN 'pending' ELSE 'available' END, $8::timestamptz, $9::timestamptz,
                       $10::timestamptz, $11::bigint
                WHERE $12::boolean
            ), entry AS (
                INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, pending_delta, lot_id, order_id,
                                            idempotency_key, source, source_ref, program_version, reason, actor,
                                            description, lots, created_at)
                VALUES ($1::uuid, $3::uuid, $13::text, $14::bigint, $15::bigint, $2::uuid, $16::uuid, $17::text,
                        $18::text, $19::text, $20::bigint, $21::text, $22::text, $23::text, $24::text::jsonb,
                        $38::timestamptz + (clock_timestamp() - transaction_timestamp()))
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING 1
            ), balance AS (
                UPDATE balances SET
                    available = available + $25::bigint, pending = pending + $26::bigint,
                    lifetime_earned = lifetime_earned + $27::bigint,
                    last_earned_at = greatest(last_earned_at, $28::timestamptz),
                    event_sequence = event_sequence + $29::bigint,
                    updated_at = clock_timestamp()
                WHERE tenant_id = $1::uuid AND member_id = $3::uuid AND $30::boolean
                RETURNING available, pending, event_sequence
            ), event AS (
                INSERT INTO domain_events (tenant_id, member_id, sequence, type, data, trace_parent)
                SELECT $1::uuid, $3::uuid, event_sequence, $31::text,
                       $32::text::jsonb || jsonb_build_object('available', available, 'pending', pending),
                       $39::text
                FROM balance WHERE $33::boolean
            ), growth AS (
                UPDATE members SET
                    order_count = order_count + $34::bigint, total_spend = total_spend + $35::bigint,
                    first_order_at = least(first_order_at, $36::timestamptz),
                    last_order_at = greatest(last_order_at, $36::timestamptz)
                WHERE tenant_id = $1::uuid AND id = $3::uuid AND $37::boolean
            )
            SELECT (SELECT count(*) FROM entry)::bigint, (SELECT available FROM balance), (SELECT pending FROM balance)
            """
        typealias Row = (Int64, Int64?, Int64?)
        var tenant: UUID
        var posting: LedgerPosting
        var eventJSON: String?

        func makeBindings() throws -> PostgresBindings {
            let entry = posting.entry
            let lot = posting.lot
            let change = posting.balance
            let growth = posting.growth?.delta
            var bindings = PostgresBindings(capacity: 39)
            bindings.append(tenant)  // 1
            bindings.append(entry.lot)
            bindings.append(entry.member)
            bindings.append(lot?.source)
            bindings.append(lot?.order)  // 5
            bindings.append(lot?.points)
            bindings.append(lot?.pending)
            bindings.append(lot?.earnedAt)
            bindings.append(lot?.availableAt)
            bindings.append(lot?.expiresAt)  // 10
            bindings.append(lot.map { Int64($0.programVersion) })
            bindings.append(lot != nil)
            bindings.append(entry.kind.rawValue)
            bindings.append(entry.available)
            bindings.append(entry.pending)  // 15
            bindings.append(entry.order)
            bindings.append(entry.key)
            bindings.append(entry.source.rawValue)
            bindings.append(entry.sourceRef)
            bindings.append(entry.programVersion.map(Int64.init))  // 20
            bindings.append(entry.reason)
            bindings.append(entry.actor)
            bindings.append(entry.description)
            bindings.append(try LotTouch.json(entry.lots))
            bindings.append(change.available)  // 25
            bindings.append(change.pending)
            bindings.append(change.earned)
            bindings.append(change.lastEarnedAt)
            bindings.append(Int64(eventJSON == nil ? 0 : 1))
            bindings.append(!change.isEmpty || eventJSON != nil)  // 30
            bindings.append(posting.event?.type)
            bindings.append(eventJSON)
            bindings.append(eventJSON != nil)
            bindings.append(Int64(growth?.orders ?? 0))
            bindings.append(growth?.spend ?? 0)  // 35
            bindings.append(posting.growth.flatMap { $0.delta.dates ? $0.placedAt : nil })
            bindings.append(growth != nil)
            bindings.append(entry.at)  // 38
            bindings.append(TraceParent.current)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}

extension TenantConnection {
    /// Runs a prepared statement in this transaction and collects its rows.
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
        return rows
    }
}
