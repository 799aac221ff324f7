import Foundation
import JifenCore
import PostgresNIO

/// One change to a member's points as a unit: a ledger entry, and with it, as the change needs,
/// a new lot, the balance deltas, the event the shop is sent and the member's order statistics.
/// ``TenantConnection/post(_:)`` writes it in one statement (one round trip where the parts
/// took four or five; issue 16), all or nothing. The caller holds the member's balance row.
struct LedgerPosting: Sendable {
    var entry: LedgerWrite
    /// A lot created by this change (its id is `entry.lot`).
    var lot: NewLot?
    var balance = BalanceChange()
    /// The event the shop is sent. Its `available` and `pending` are set by the statement, to
    /// the balance just after the change, whatever the caller put there.
    var event: PointsEvent?
    /// A newly scored order's share of the member's statistics.
    var growth: (delta: GrowthDelta, placedAt: Date)?

    struct NewLot: Sendable {
        var source: String
        var order: UUID?
        var points: Int64
        var pending: Bool
        var earnedAt: Date
        var availableAt: Date
        var expiresAt: Date?
        var programVersion: Int
    }

    struct BalanceChange: Sendable {
        var available: Int64 = 0
        var pending: Int64 = 0
        var earned: Int64 = 0
        var lastEarnedAt: Date?

        var isEmpty: Bool { available == 0 && pending == 0 && earned == 0 && lastEarnedAt == nil }
    }
}

extension TenantConnection {
    /// Writes `posting` in one statement; returns the balance after it when the balance changed.
    /// Throws if the entry's key is taken: the effects that go with the entry would be applied
    /// twice, so the transaction must roll back (as ``append(_:)``).
    @discardableResult
    func post(_ posting: LedgerPosting, member: MemberPoints) async throws -> BalanceAfter? {
        let entry = posting.entry
        let lot = posting.lot
        let change = posting.balance
        let eventJSON = try posting.event.map {
            String(decoding: try JSONEncoder().encode(MemberEvent(member: member.externalID, event: $0)), as: UTF8.self)
        }
        let touchBalance = !change.isEmpty || posting.event != nil
        let growth = posting.growth?.delta
        let placedAt = posting.growth.flatMap { $0.delta.dates ? $0.placedAt : nil }
        let rows = try await query(
            """
            WITH lot AS (
                INSERT INTO point_lots (tenant_id, id, member_id, source, order_id, points, remaining, state, earned_at,
                                        available_at, expires_at, program_version)
                SELECT \(tenant.rawValue), \(entry.lot), \(entry.member), \(lot?.source), \(lot?.order), \(lot?.points),
                       \(lot?.points), CASE WHEN \(lot?.pending) THEN 'pending' ELSE 'available' END, \(lot?.earnedAt),
                       \(lot?.availableAt), \(lot?.expiresAt), \(lot?.programVersion)
                WHERE \(lot != nil)
            ), entry AS (
                INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, pending_delta, lot_id, order_id,
                                            idempotency_key, source, source_ref, program_version, reason, actor,
                                            description, lots)
                VALUES (\(tenant.rawValue), \(entry.member), \(entry.kind.rawValue), \(entry.available), \(entry.pending),
                        \(entry.lot), \(entry.order), \(entry.key), \(entry.source.rawValue), \(entry.sourceRef),
                        \(entry.programVersion), \(entry.reason), \(entry.actor), \(entry.description),
                        \(try LotTouch.json(entry.lots))::jsonb)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING 1
            ), balance AS (
                UPDATE balances SET
                    available = available + \(change.available), pending = pending + \(change.pending),
                    lifetime_earned = lifetime_earned + \(change.earned),
                    last_earned_at = greatest(last_earned_at, \(change.lastEarnedAt)),
                    event_sequence = event_sequence + \(eventJSON == nil ? 0 : 1),
                    updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND member_id = \(entry.member) AND \(touchBalance)
                RETURNING available, pending, event_sequence
            ), event AS (
                INSERT INTO domain_events (tenant_id, member_id, sequence, type, data)
                SELECT \(tenant.rawValue), \(entry.member), event_sequence, \(posting.event?.type),
                       \(eventJSON)::jsonb || jsonb_build_object('available', available, 'pending', pending)
                FROM balance WHERE \(eventJSON != nil)
            ), growth AS (
                UPDATE members SET
                    order_count = order_count + \(growth?.orders ?? 0), total_spend = total_spend + \(growth?.spend ?? 0),
                    first_order_at = least(first_order_at, \(placedAt)),
                    last_order_at = greatest(last_order_at, \(placedAt))
                WHERE tenant_id = \(tenant.rawValue) AND id = \(entry.member) AND \(growth != nil)
            )
            SELECT (SELECT count(*) FROM entry)::integer, (SELECT available FROM balance), (SELECT pending FROM balance)
            """
        )
        guard
            let (appended, available, pending) = try await rows.decode((Int, Int64?, Int64?).self).first(where: { _ in
                true
            }),
            appended == 1
        else {
            throw JifenError(.internalError, "ledger entry '\(entry.key)' exists already; nothing was applied twice")
        }
        if entry.kind == .earn { PointsMetrics.awarded.increment(by: Int64(entry.available + entry.pending)) }
        guard let available, let pending else { return nil }
        return BalanceAfter(available: available, pending: pending)
    }
}
