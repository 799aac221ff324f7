import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Records a refund of a paid order, as ``RefundAdmission`` admits it, and claws back its share of the order's points in
    /// the same transaction. The shop's refund id makes it idempotent: the same refund again
    /// returns the stored one (`created` false); the same id with another amount or lines is a
    /// conflict. A refund bringing the refunded total to the order's amount marks the order
    /// `refunded`.
    ///
    /// With `settleNow` false (inbound webhooks, which must answer fast) the clawback is left to
    /// the order's `order.score` job, queued here.
    public func refund(order externalID: ExternalID, _ draft: RefundDraft, now: Date = Date(), settleNow: Bool = true)
        async throws -> (refund: Refund, created: Bool)?
    {
        guard let stored = try await order(externalID, lock: true) else { return nil }
        let existing = try await refund(order: stored, externalID: draft.externalID.rawValue)
        let admission = try RefundAdmission.admit(
            draft,
            order: externalID,
            status: stored.status,
            amount: stored.amount.minorUnits,
            lines: stored.lines,
            refunded: try await refundedTotal(stored.id),
            recorded: existing.map { RefundAdmission.Recorded(amount: $0.amount, lines: $0.lines) }
        )
        guard case .admitted(let completes) = admission else {
            guard let existing else { throw JifenError(.internalError, "a repeated refund without its record") }
            return (existing, false)
        }
        let lines = String(decoding: try JSONEncoder().encode(draft.lines), as: UTF8.self)
        try await query(
            """
            INSERT INTO refunds (tenant_id, order_id, external_id, amount, lines, created_at)
            VALUES (\(tenant.rawValue), \(stored.id), \(draft.externalID.rawValue), \(draft.amount), \(lines)::jsonb, \(now))
            """
        )
        if settleNow {
            _ = try await settleOrder(stored.id, now: now)
        } else {
            try await enqueueScoring(orderID: stored.id, status: completes ? .refunded : .paid)
        }
        if completes {
            try await query(
                """
                UPDATE orders SET status = 'refunded', refunded_at = \(now), updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND id = \(stored.id)
                """
            )
            if stored.hasBenefits {
                var refunded = stored
                refunded.status = .refunded
                try await settleBenefits(of: refunded, now: now)
            }
        } else if let hold = stored.walletHoldID, let paid = try await walletHold(hold), paid.state == .captured {
            // A partial refund gives back the wallet's share of it: refund × wallet paid / order amount.
            let share = Int64(
                clamping: Int128(draft.amount) * Int128(paid.amount) / Int128(max(stored.amount.minorUnits, 1))
            )
            try await returnToWallet(
                hold,
                amount: share,
                key: "wallet-return:\(hold.uuidString.lowercased()):refund:\(draft.externalID.rawValue)",
                orderReference: stored.externalID.rawValue,
                now: now
            )
        }
        guard let refund = try await refund(order: stored, externalID: draft.externalID.rawValue) else {
            throw JifenError(.internalError, "refund vanished in its own transaction")
        }
        return (refund, true)
    }

    /// Cancels an order as ``CancelAdmission`` admits it: before payment it simply never earns;
    /// after, what it earned is taken back. Cancelling a cancelled order changes nothing; a
    /// refunded one cannot be cancelled.
    public func cancel(order externalID: ExternalID, now: Date = Date(), settleNow: Bool = true) async throws -> Order?
    {
        guard let stored = try await order(externalID, lock: true) else { return nil }
        guard try CancelAdmission.admit(order: externalID, status: stored.status) == .admitted else { return stored }
        try await query(
            """
            UPDATE orders SET status = 'cancelled', cancelled_at = \(now), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(stored.id)
            """
        )
        if settleNow {
            _ = try await settleOrder(stored.id, now: now)
        } else {
            try await enqueueScoring(orderID: stored.id, status: .cancelled)
        }
        let cancelled = try await order(id: stored.id)
        if cancelled.hasBenefits { try await settleBenefits(of: cancelled, now: now) }
        return cancelled
    }

    /// The order's refunds, oldest first.
    public func refunds(order: Order) async throws -> [Refund] {
        try await refunds(order: order, externalID: nil)
    }

    private func refund(order: Order, externalID: String) async throws -> Refund? {
        try await refunds(order: order, externalID: externalID).first
    }

    private func refunds(order: Order, externalID: String?) async throws -> [Refund] {
        let rows = try await query(
            """
            SELECT id, external_id, amount, lines::text, points_clawed_back, points_forgiven, created_at FROM refunds
            WHERE tenant_id = \(tenant.rawValue) AND order_id = \(order.id)
              AND (\(externalID == nil) OR external_id = \(externalID ?? ""))
            ORDER BY created_at, id
            """
        )
        var refunds: [Refund] = []
        for try await (id, external, amount, lines, clawed, forgiven, createdAt) in rows.decode(
            (UUID, String, Int64, String, Int64, Int64, Date).self
        ) {
            refunds.append(
                Refund(
                    id: id,
                    externalID: external,
                    order: order.externalID.rawValue,
                    amount: amount,
                    currency: order.amount.currency.code,
                    lines: try JSONDecoder().decode([RefundDraft.Line].self, from: Data(lines.utf8)),
                    pointsClawedBack: clawed,
                    pointsForgiven: forgiven,
                    createdAt: createdAt
                )
            )
        }
        return refunds
    }

    private func refundedTotal(_ orderID: UUID) async throws -> Int64 {
        let rows = try await query(
            "SELECT coalesce(sum(amount), 0)::bigint FROM refunds WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID)"
        )
        return try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0
    }
}
