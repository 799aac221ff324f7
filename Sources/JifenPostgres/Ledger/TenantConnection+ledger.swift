import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    public func balance(member: UUID) async throws -> Balance {
        let rows = try await query(
            """
            SELECT available, pending, held, lifetime_earned, lifetime_redeemed, lifetime_expired, lifetime_reversed
            FROM balances WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member)
            """
        )
        for try await (available, pending, held, earned, redeemed, expired, reversed) in rows.decode(
            (Int64, Int64, Int64, Int64, Int64, Int64, Int64).self
        ) {
            return Balance(
                available: available,
                pending: pending,
                held: held,
                lifetimeEarned: earned,
                lifetimeRedeemed: redeemed,
                lifetimeExpired: expired,
                lifetimeReversed: reversed
            )
        }
        return .zero
    }

    /// A member's ledger, newest first, optionally only entries of one kind and in a time range.
    public func ledger(member: UUID, filter: LedgerFilter = LedgerFilter(), limit: PageLimit, after cursor: PageCursor?)
        async throws -> Page<LedgerEntry>
    {
        let rows = try await query(
            """
            SELECT e.id, e.kind, e.available_delta, e.pending_delta, o.external_id, e.description, e.created_at,
                   (extract(epoch FROM e.created_at) * 1000000)::bigint, e.source, e.source_ref, e.program_version,
                   e.reason, e.actor, e.lots::text
            FROM ledger_entries e
            LEFT JOIN orders o ON o.tenant_id = e.tenant_id AND o.id = e.order_id
            WHERE e.tenant_id = \(tenant.rawValue) AND e.member_id = \(member)
              AND (\(filter.kind == nil) OR e.kind = \(filter.kind ?? ""))
              AND (\(filter.since == nil) OR e.created_at >= \(filter.since ?? .distantPast))
              AND (\(filter.until == nil) OR e.created_at < \(filter.until ?? .distantFuture))
              AND \(after: cursor, on: "e")
            ORDER BY e.created_at DESC, e.id DESC
            LIMIT \(limit.value + 1)
            """
        )
        var entries: [LedgerEntry] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            entries.append(
                LedgerEntry(
                    id: try columns.value(0, UUID.self),
                    kind: try columns.value(1, String.self),
                    availableDelta: try columns.value(2, Int64.self),
                    pendingDelta: try columns.value(3, Int64.self),
                    order: try columns.value(4, String?.self),
                    description: try columns.value(5, String?.self),
                    createdAt: try columns.value(6, Date.self),
                    createdAtMicros: try columns.value(7, Int64.self),
                    source: try columns.value(8, String.self),
                    sourceRef: try columns.value(9, String?.self),
                    programVersion: try columns.value(10, Int?.self),
                    reason: try columns.value(11, String?.self),
                    actor: try columns.value(12, String?.self),
                    lots: try LotTouch.decode(try columns.value(13, String.self))
                )
            )
        }
        return Page.slicing(entries, limit: limit) { $0.cursor }
    }

    /// A member's lots, newest first, optionally only those in one state.
    public func lots(member: UUID, state: String?, limit: PageLimit, after cursor: PageCursor?) async throws
        -> Page<Lot>
    {
        let rows = try await query(
            """
            SELECT l.id, l.source, o.external_id, l.points, l.remaining, l.state, l.earned_at, l.available_at,
                   l.expires_at, l.program_version, l.created_at, (extract(epoch FROM l.created_at) * 1000000)::bigint
            FROM point_lots l
            LEFT JOIN orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id
            WHERE l.tenant_id = \(tenant.rawValue) AND l.member_id = \(member)
              AND (\(state == nil) OR l.state = \(state ?? ""))
              AND \(after: cursor, on: "l")
            ORDER BY l.created_at DESC, l.id DESC
            LIMIT \(limit.value + 1)
            """
        )
        var lots: [Lot] = []
        for try await (
            id, source, order, points, remaining, state, earnedAt, availableAt, expiresAt, version, createdAt, micros
        )
            in rows.decode((UUID, String, String?, Int64, Int64, String, Date, Date, Date?, Int, Date, Int64).self)
        {
            lots.append(
                Lot(
                    id: id,
                    source: source,
                    order: order,
                    points: points,
                    remaining: remaining,
                    state: state,
                    earnedAt: earnedAt,
                    availableAt: availableAt,
                    expiresAt: expiresAt,
                    programVersion: version,
                    createdAt: createdAt,
                    createdAtMicros: micros
                )
            )
        }
        return Page.slicing(lots, limit: limit) { $0.cursor }
    }

    /// What an order earned, what was taken back, and the state of those points.
    public func orderPoints(_ orderID: UUID) async throws -> OrderPoints {
        let rows = try await query(
            """
            SELECT
                e.available_delta + e.pending_delta, e.program_version,
                coalesce((SELECT -sum(available_delta + pending_delta) FROM ledger_entries
                          WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID) AND kind = 'reverse'), 0)::bigint,
                (SELECT bool_or(state = 'pending') FROM point_lots
                 WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID) AND source = 'order'),
                o.status IN ('cancelled', 'refunded')
            FROM orders o
            LEFT JOIN ledger_entries e ON e.tenant_id = o.tenant_id AND e.idempotency_key = \(Self.earnKey(orderID))
            WHERE o.tenant_id = \(tenant.rawValue) AND o.id = \(orderID)
            """
        )
        for try await (earned, version, clawedBack, anyPending, ended) in rows.decode(
            (Int64?, Int?, Int64, Bool?, Bool?).self
        ) {
            guard let earned else { return .unscored }
            // A cancelled or fully refunded order has had everything taken back that could be:
            // what `stop_at_zero` forgave counts as reversed too.
            let state: OrderPoints.State =
                if earned == 0 { .none } else if clawedBack >= earned || ended == true {
                    .reversed
                } else if anyPending == true {
                    .pending
                } else { .available }
            return OrderPoints(earned: earned, clawedBack: clawedBack, state: state, programVersion: version)
        }
        return .unscored
    }
}
