import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Awards a paid order's points: one lot, one `earn` entry and the balance, in the caller's
    /// transaction, exactly once per order.
    ///
    /// The order row is locked first, so two workers scoring the same order (a redelivered
    /// job, a duplicate) serialise, and the second finds the entry the first wrote. The unique
    /// idempotency key on ledger entries backs that up.
    public func scoreOrder(_ orderID: UUID, rate: EarningRate = .default, now: Date = Date()) async throws
        -> ScoreOutcome
    {
        let rows = try await query(
            """
            SELECT member_id, currency, amount, status, paid_at FROM orders
            WHERE tenant_id = \(tenant.rawValue) AND id = \(orderID) FOR UPDATE
            """
        )
        guard
            let (memberID, currency, amount, statusText, paidAt) = try await rows.decode(
                (UUID, String, Int64, String, Date?).self
            ).first(where: { _ in true })
        else { return .orderMissing }
        guard let status = OrderStatus(rawValue: statusText), status == .paid else {
            return .notEligible(OrderStatus(rawValue: statusText) ?? .placed)
        }
        let key = "order:\(orderID.uuidString.lowercased()):earn"
        let existing = try await query(
            "SELECT 1 FROM ledger_entries WHERE tenant_id = \(tenant.rawValue) AND idempotency_key = \(key)"
        )
        if try await existing.decode(Int.self).first(where: { _ in true }) != nil { return .alreadyScored }

        let points = rate.points(for: try Money(minorUnits: amount, currency: Currency(currency)))
        guard points > 0 else {
            // Recorded all the same, so the order shows as scored (earning nothing).
            try await appendEntry(member: memberID, kind: "earn", available: 0, lot: nil, order: orderID, key: key)
            return .awarded(points: 0)
        }
        let lotID = UUID()
        try await query(
            """
            INSERT INTO point_lots (tenant_id, id, member_id, source, order_id, points, remaining, state,
                                    earned_at, available_at)
            VALUES (\(tenant.rawValue), \(lotID), \(memberID), 'order', \(orderID), \(points), \(points), 'available',
                    \(paidAt ?? now), \(now))
            """
        )
        try await appendEntry(member: memberID, kind: "earn", available: points, lot: lotID, order: orderID, key: key)
        try await query(
            """
            INSERT INTO balances (tenant_id, member_id, available, lifetime_earned)
            VALUES (\(tenant.rawValue), \(memberID), \(points), \(points))
            ON CONFLICT (tenant_id, member_id) DO UPDATE
            SET available = balances.available + EXCLUDED.available,
                lifetime_earned = balances.lifetime_earned + EXCLUDED.lifetime_earned,
                updated_at = clock_timestamp()
            """
        )
        return .awarded(points: points)
    }

    private func appendEntry(member: UUID, kind: String, available: Int64, lot: UUID?, order: UUID?, key: String)
        async throws
    {
        try await query(
            """
            INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, lot_id, order_id, idempotency_key)
            VALUES (\(tenant.rawValue), \(member), \(kind), \(available), \(lot), \(order), \(key))
            """
        )
    }

    public func balance(member: UUID) async throws -> Balance {
        let rows = try await query(
            """
            SELECT available, pending, lifetime_earned, lifetime_redeemed, lifetime_expired FROM balances
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member)
            """
        )
        for try await (available, pending, earned, redeemed, expired) in rows.decode(
            (Int64, Int64, Int64, Int64, Int64).self
        ) {
            return Balance(
                available: available,
                pending: pending,
                lifetimeEarned: earned,
                lifetimeRedeemed: redeemed,
                lifetimeExpired: expired
            )
        }
        return .zero
    }

    /// A member's ledger, newest first.
    public func ledger(member: UUID, limit: PageLimit, after cursor: PageCursor?) async throws -> Page<LedgerEntry> {
        let micros = cursor?.createdAtMicros ?? Int64.max
        let id = cursor?.id ?? UUID()
        let rows = try await query(
            """
            SELECT e.id, e.kind, e.available_delta, e.pending_delta, o.external_id, e.description, e.created_at,
                   (extract(epoch FROM e.created_at) * 1000000)::bigint
            FROM ledger_entries e
            LEFT JOIN orders o ON o.tenant_id = e.tenant_id AND o.id = e.order_id
            WHERE e.tenant_id = \(tenant.rawValue) AND e.member_id = \(member)
              AND (\(cursor == nil) OR (e.created_at, e.id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id)))
            ORDER BY e.created_at DESC, e.id DESC
            LIMIT \(limit.value + 1)
            """
        )
        var entries: [LedgerEntry] = []
        for try await (id, kind, available, pending, order, description, createdAt, micros) in rows.decode(
            (UUID, String, Int64, Int64, String?, String?, Date, Int64).self
        ) {
            entries.append(
                LedgerEntry(
                    id: id,
                    kind: kind,
                    availableDelta: available,
                    pendingDelta: pending,
                    order: order,
                    description: description,
                    createdAt: createdAt,
                    createdAtMicros: micros
                )
            )
        }
        return Page.slicing(entries, limit: limit) { $0.cursor }
    }

    /// What an order earned and the state of those points.
    public func orderPoints(_ orderID: UUID) async throws -> OrderPoints {
        let rows = try await query(
            """
            SELECT
                EXISTS (SELECT 1 FROM ledger_entries WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID) AND kind = 'earn'),
                coalesce(sum(points), 0)::bigint,
                bool_or(state = 'pending')
            FROM point_lots WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID)
            """
        )
        for try await (scored, earned, anyPending) in rows.decode((Bool, Int64, Bool?).self) {
            guard scored else { return .unscored }
            guard earned > 0 else { return OrderPoints(earned: 0, state: .none) }
            return OrderPoints(earned: earned, state: anyPending == true ? .pending : .available)
        }
        return .unscored
    }
}
