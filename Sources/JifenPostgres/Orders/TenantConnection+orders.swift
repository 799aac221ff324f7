import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    static let orderColumns = """
        o.id, o.external_id, m.external_id, o.currency, o.amount, o.status, o.placed_at, o.paid_at,
        o.cancelled_at, o.refunded_at, o.lines::text, o.created_at, o.updated_at
        """

    /// Records an order or a later state of it, idempotently by its external id, and writes
    /// an `order.score` outbox row in the same transaction whenever the workers have something
    /// new to look at.
    ///
    /// Concurrent posts of the same order serialise on the unique index: the losers wait for
    /// the winner's commit, then find its row and compare.
    public func recordOrder(_ draft: OrderDraft) async throws -> (Order, OrderRecording) {
        let memberID = try await ensureMember(draft.member)
        let lines = try String(decoding: JSONEncoder().encode(draft.lines), as: UTF8.self)
        let paidAt: Date? = draft.status == .placed ? nil : (draft.paidAt ?? Date())
        let inserted = try await query(
            """
            INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                                cancelled_at, refunded_at, lines)
            VALUES (\(tenant.rawValue), \(draft.externalID.rawValue), \(memberID), \(draft.amount.currency.code),
                    \(draft.amount.minorUnits), \(draft.status.rawValue), \(draft.placedAt), \(paidAt),
                    \(draft.status == .cancelled ? Date() : nil), \(draft.status == .refunded ? Date() : nil),
                    \(lines)::jsonb)
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            RETURNING id, paid_at, cancelled_at, refunded_at, created_at, updated_at
            """
        )
        if let (id, paidAt, cancelledAt, refundedAt, createdAt, updatedAt) = try await inserted.decode(
            (UUID, Date?, Date?, Date?, Date, Date).self
        ).first(where: { _ in true }) {
            try await enqueueScoring(orderID: id, status: draft.status)
            // Everything else is what was just written: no need to read it back.
            let order = Order(
                id: id,
                externalID: draft.externalID,
                member: draft.member,
                amount: draft.amount,
                status: draft.status,
                placedAt: draft.placedAt,
                paidAt: paidAt,
                cancelledAt: cancelledAt,
                refundedAt: refundedAt,
                lines: draft.lines,
                createdAt: createdAt,
                updatedAt: updatedAt
            )
            return (order, .created)
        }

        guard let stored = try await order(draft.externalID, lock: true) else {
            throw JifenError(.internalError, "order '\(draft.externalID)' vanished after a conflict")
        }
        switch try OrderChange.between(stored: stored.snapshot, incoming: draft) {
        case .unchanged:
            return (stored, .unchanged)
        case .update(let status, let amount, let newLines, let statusChanged):
            let linesJSON = try String(decoding: JSONEncoder().encode(newLines), as: UTF8.self)
            try await query(
                """
                UPDATE orders SET
                    status = \(status.rawValue),
                    amount = \(amount.minorUnits),
                    lines = \(linesJSON)::jsonb,
                    paid_at = CASE WHEN \(status.rawValue) <> 'placed' THEN coalesce(paid_at, \(draft.paidAt), now()) END,
                    cancelled_at = CASE WHEN \(status.rawValue) = 'cancelled' THEN coalesce(cancelled_at, now()) END,
                    refunded_at = CASE WHEN \(status.rawValue) = 'refunded' THEN coalesce(refunded_at, now()) END,
                    updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND id = \(stored.id)
                """
            )
            if statusChanged { try await enqueueScoring(orderID: stored.id, status: draft.status) }
            return (try await order(id: stored.id), .updated)
        }
    }

    public func order(_ externalID: ExternalID, lock: Bool = false) async throws -> Order? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.orderColumns)
            FROM orders o JOIN members m ON m.tenant_id = o.tenant_id AND m.id = o.member_id
            WHERE o.tenant_id = \(tenant.rawValue) AND o.external_id = \(externalID.rawValue)
            \(unescaped: lock ? "FOR UPDATE OF o" : "")
            """
        )
        for try await row in rows { return try Self.order(from: row) }
        return nil
    }

    func order(id: UUID) async throws -> Order {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.orderColumns)
            FROM orders o JOIN members m ON m.tenant_id = o.tenant_id AND m.id = o.member_id
            WHERE o.tenant_id = \(tenant.rawValue) AND o.id = \(id)
            """
        )
        for try await row in rows { return try Self.order(from: row) }
        throw JifenError(.internalError, "order \(id) not found in its own transaction")
    }

    func enqueueScoring(orderID: UUID, status: OrderStatus) async throws {
        let payload = try String(
            decoding: JSONEncoder().encode(["order_id": orderID.uuidString.lowercased(), "status": status.rawValue]),
            as: UTF8.self
        )
        try await enqueue(.scoreOrder, payload: payload)
    }

    static func order(from row: PostgresRow) throws -> Order {
        let (
            id, external, member, currency, amount, status, placedAt, paidAt, cancelledAt, refundedAt, lines, createdAt,
            updatedAt
        ) =
            try row.decode(
                (UUID, String, String, String, Int64, String, Date, Date?, Date?, Date?, String, Date, Date).self,
                context: .default
            )
        guard let status = OrderStatus(rawValue: status) else {
            throw JifenError(.internalError, "order \(id) has unknown status '\(status)'")
        }
        return Order(
            id: id,
            externalID: try ExternalID(external),
            member: try ExternalID(member),
            amount: try Money(minorUnits: amount, currency: Currency(currency)),
            status: status,
            placedAt: placedAt,
            paidAt: paidAt,
            cancelledAt: cancelledAt,
            refundedAt: refundedAt,
            lines: try JSONDecoder().decode([OrderLine].self, from: Data(lines.utf8)),
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }
}
