import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Makes pending lots whose return window has passed by `now` available: one `release`
    /// entry per lot, keyed by the lot, so running it twice changes nothing. Works through at
    /// most `limit` lots; returns how many it released.
    public func releaseDuePoints(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let due = try await query(
            """
            SELECT id, member_id FROM point_lots
            WHERE tenant_id = \(tenant.rawValue) AND state = 'pending' AND available_at <= \(now)
            ORDER BY member_id, available_at LIMIT \(limit)
            """
        )
        var lots: [(UUID, UUID)] = []
        for try await lot in due.decode((UUID, UUID).self) { lots.append(lot) }
        var released = 0
        // Read once per batch, only if an order's points come due: tiers count the order now.
        var program: Program?
        for (lotID, memberID) in lots {
            let member = try await lockMember(memberID)
            // Re-read under the member's lock: a clawback may have reversed it meanwhile.
            let rows = try await query(
                """
                UPDATE point_lots SET state = 'available'
                WHERE tenant_id = \(tenant.rawValue) AND id = \(lotID) AND state = 'pending'
                RETURNING remaining, order_id, program_version
                """
            )
            guard
                let (remaining, orderID, version) = try await rows.decode((Int64, UUID?, Int).self).first(where: { _ in
                    true
                })
            else { continue }
            try await append(
                LedgerWrite(
                    member: member.id,
                    at: now,
                    kind: .release,
                    source: .release,
                    available: remaining,
                    pending: -remaining,
                    key: "lot:\(lotID.uuidString.lowercased()):release",
                    lot: lotID,
                    order: orderID,
                    programVersion: version,
                    lots: [LotTouch(lotID: lotID, points: remaining)]
                )
            )
            let balance = try await updateBalance(member.id, available: remaining, pending: -remaining)
            try await settleDebt(member, now: now)
            var event = PointsEvent(
                .released,
                points: remaining,
                available: balance.available,
                pending: balance.pending
            )
            if let orderID { event.order = try await orderExternalID(orderID) }
            try await recordEvent(member, event)
            if orderID != nil {
                if program == nil { program = try await self.program() }
                if let program {
                    if program.tiers != nil {
                        try await evaluateTier(member, program: program, now: now, allowDowngrade: false)
                    }
                    // The referee's first order counts now that its return window is over.
                    try await rewardReferral(member, program: program, now: now)
                }
            }
            released += 1
        }
        return released
    }

    private func orderExternalID(_ id: UUID) async throws -> String? {
        let rows = try await query("SELECT external_id FROM orders WHERE tenant_id = \(tenant.rawValue) AND id = \(id)")
        return try await rows.decode(String.self).first(where: { _ in true })
    }
}
