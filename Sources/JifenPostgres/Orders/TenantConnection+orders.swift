import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    static let orderColumns = """
        o.id, o.external_id, m.external_id, o.currency, o.amount, o.status, o.placed_at, o.paid_at,
        o.cancelled_at, o.refunded_at, o.lines::text, o.created_at, o.updated_at, o.coupon_codes, o.redemption_id,
        o.wallet_hold_id
        """

    /// Records an order or a later state of it, idempotently by its external id, and writes
    /// an `order.score` outbox row in the same transaction whenever the workers have something
    /// new to look at.
    ///
    /// Concurrent posts of the same order serialise on the unique index: the losers wait for
    /// the winner's commit, then find its row and compare.
    public func recordOrder(_ draft: OrderDraft, now: Date = Date()) async throws -> (Order, OrderRecording) {
        var draft = draft
        let memberID = try await ensureMember(draft.member, now: now, order: draft.externalID)
        if let redemption = draft.redemption {
            try await checkHold(redemption, member: memberID, externalID: draft.member)
        }
        if let hold = draft.walletHold {
            try await checkWalletHold(hold, member: memberID, externalID: draft.member, currency: draft.amount.currency)
        }
        let lines = try String(decoding: JSONEncoder().encode(draft.lines), as: UTF8.self)
        let paidAt: Date? = draft.status == .placed ? nil : (draft.paidAt ?? Date())
        let inserted = try await query(
            """
            INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                                cancelled_at, refunded_at, lines, coupon_codes, redemption_id, wallet_hold_id)
            VALUES (\(tenant.rawValue), \(draft.externalID.rawValue), \(memberID), \(draft.amount.currency.code),
                    \(draft.amount.minorUnits), \(draft.status.rawValue), \(draft.placedAt), \(paidAt),
                    \(draft.status == .cancelled ? Date() : nil), \(draft.status == .refunded ? Date() : nil),
                    \(lines)::jsonb, \(draft.coupons), \(draft.redemption), \(draft.walletHold))
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
                updatedAt: updatedAt,
                couponCodes: draft.coupons,
                redemptionID: draft.redemption,
                walletHoldID: draft.walletHold
            )
            if order.hasBenefits {
                try await reserveBenefits(of: order, memberID: memberID, now: now)
                try await settleBenefits(of: order, now: now)
            }
            return (order, .created)
        }

        guard let stored = try await order(draft.externalID, lock: true) else {
            throw JifenError(.internalError, "order '\(draft.externalID)' vanished after a conflict")
        }
        if stored.member != draft.member, stored.member.rawValue.hasPrefix(Erasure.tokenPrefix),
            try await query("SELECT member_id FROM orders WHERE tenant_id = \(tenant.rawValue) AND id = \(stored.id)")
                .decode(UUID.self).first(where: { _ in true }) == memberID
        {
            // Sent by the old id of its erased member (``ensureMember(_:now:order:)`` resolved it):
            // the same member, now named by its token.
            draft.member = stored.member
        }
        // Benefits are taken when the order is first recorded; sending them again is fine, other
        // ones are a conflict (leaving them out keeps the recorded ones, as for lines).
        if !draft.coupons.isEmpty && Set(draft.coupons) != Set(stored.couponCodes) {
            throw JifenError.conflict("order '\(draft.externalID)' was recorded with other coupons")
        }
        if let redemption = draft.redemption, redemption != stored.redemptionID {
            throw JifenError.conflict("order '\(draft.externalID)' was recorded with another redemption")
        }
        if let hold = draft.walletHold, hold != stored.walletHoldID {
            throw JifenError.conflict("order '\(draft.externalID)' was recorded with another wallet hold")
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
            let updated = try await order(id: stored.id)
            if statusChanged && updated.hasBenefits { try await settleBenefits(of: updated, now: now) }
            return (updated, .updated)
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
        let c = row.makeRandomAccess()
        let id = try c.value(0, UUID.self)
        let statusText = try c.value(5, String.self)
        guard let status = OrderStatus(rawValue: statusText) else {
            throw JifenError(.internalError, "order \(id) has unknown status '\(statusText)'")
        }
        return Order(
            id: id,
            externalID: try ExternalID(try c.value(1, String.self)),
            member: try ExternalID(try c.value(2, String.self)),
            amount: try Money(minorUnits: try c.value(4, Int64.self), currency: Currency(try c.value(3, String.self))),
            status: status,
            placedAt: try c.value(6, Date.self),
            paidAt: try c.value(7, Date?.self),
            cancelledAt: try c.value(8, Date?.self),
            refundedAt: try c.value(9, Date?.self),
            lines: try JSONDecoder().decode([OrderLine].self, from: Data(try c.value(10, String.self).utf8)),
            createdAt: try c.value(11, Date.self),
            updatedAt: try c.value(12, Date.self),
            couponCodes: try c.value(13, [String].self),
            redemptionID: try c.value(14, UUID?.self),
            walletHoldID: try c.value(15, UUID?.self)
        )
    }
}
