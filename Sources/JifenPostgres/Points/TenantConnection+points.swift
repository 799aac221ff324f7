import Foundation
import JifenCore
import PostgresNIO

// The primitives every points operation is built from. Rule: lots, entries and the balance
// of a member change only while the caller holds the member's balance row (`lockMember`), so
// two operations on one member serialise and can never spend the same points twice. Locks are
// always taken order row → balance row → reward row → redemption row, never the other way (the
// reward row: see TenantConnection+rewardClaims.swift).
extension TenantConnection {
    /// Locks the member's balance row (creating it at zero) and returns it, in one round trip:
    /// `ON CONFLICT DO UPDATE` locks the existing row as `FOR UPDATE` would.
    func lockMember(_ member: UUID) async throws -> MemberPoints {
        let rows = try await query(
            """
            WITH b AS (
                INSERT INTO balances (tenant_id, member_id) VALUES (\(tenant.rawValue), \(member))
                ON CONFLICT (tenant_id, member_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
                RETURNING available, pending, held, debt
            )
            SELECT m.external_id, b.available, b.pending, b.held, b.debt
            FROM b, members m WHERE m.tenant_id = \(tenant.rawValue) AND m.id = \(member)
            """
        )
        for try await (external, available, pending, held, debt) in rows.decode(
            (String, Int64, Int64, Int64, Int64).self
        ) {
            return MemberPoints(
                id: member,
                externalID: external,
                available: available,
                pending: pending,
                held: held,
                debt: debt
            )
        }
        throw JifenError(.internalError, "member \(member) has no balance row after creating it")
    }

    /// Appends a ledger entry. Every caller checks its key (or the state it guards) first;
    /// finding the key taken anyway means the effects that go with the entry would be applied
    /// twice, so it throws and the whole transaction rolls back.
    func append(_ entry: LedgerWrite) async throws {
        let rows = try await query(
            """
            INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, pending_delta, lot_id, order_id,
                                        idempotency_key, source, source_ref, program_version, reason, actor,
                                        description, lots, created_at)
            VALUES (\(tenant.rawValue), \(entry.member), \(entry.kind.rawValue), \(entry.available), \(entry.pending),
                    \(entry.lot), \(entry.order), \(entry.key), \(entry.source.rawValue), \(entry.sourceRef),
                    \(entry.programVersion), \(entry.reason), \(entry.actor), \(entry.description),
                    \(try LotTouch.json(entry.lots))::jsonb,
                    \(entry.at)::timestamptz + (clock_timestamp() - transaction_timestamp()))
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            RETURNING 1
            """
        )
        guard try await rows.decode(Int.self).first(where: { _ in true }) != nil else {
            throw entry.alreadyApplied
        }
        entry.countAwarded()
    }

    func entryExists(key: String) async throws -> Bool {
        let rows = try await query(
            "SELECT 1 FROM ledger_entries WHERE tenant_id = \(tenant.rawValue) AND idempotency_key = \(key)"
        )
        return try await rows.decode(Int.self).first(where: { _ in true }) != nil
    }

    /// Applies deltas to the member's balance row (which the caller holds) and returns the
    /// balance after them, which points events carry. `lastEarnedAt` restarts the inactivity
    /// clock.
    @discardableResult
    func updateBalance(
        _ member: UUID,
        available: Int64 = 0,
        pending: Int64 = 0,
        held: Int64 = 0,
        debt: Int64 = 0,
        earned: Int64 = 0,
        redeemed: Int64 = 0,
        reversed: Int64 = 0,
        expired: Int64 = 0,
        lastEarnedAt: Date? = nil
    ) async throws -> BalanceAfter {
        let rows = try await query(
            """
            UPDATE balances SET
                available = available + \(available), pending = pending + \(pending), held = held + \(held),
                debt = debt + \(debt), lifetime_earned = lifetime_earned + \(earned),
                lifetime_redeemed = lifetime_redeemed + \(redeemed), lifetime_reversed = lifetime_reversed + \(reversed),
                lifetime_expired = lifetime_expired + \(expired),
                last_earned_at = greatest(last_earned_at, \(lastEarnedAt)),
                updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member)
            RETURNING available, pending
            """
        )
        for try await (available, pending) in rows.decode((Int64, Int64).self) {
            return BalanceAfter(available: available, pending: pending)
        }
        throw JifenError(.internalError, "member \(member) has no balance row")
    }

    /// Creates a lot, dated by the program's expiry policy, and returns its id. (Earning also
    /// restarts the member's inactivity clock: callers pass `lastEarnedAt` to `updateBalance`.)
    func addLot(
        member: UUID,
        source: String,
        order: UUID? = nil,
        points: Int64,
        pending: Bool,
        earnedAt: Date,
        availableAt: Date,
        program: Program
    ) async throws -> UUID {
        let id = UUID()
        try await query(
            """
            INSERT INTO point_lots (tenant_id, id, member_id, source, order_id, points, remaining, state, earned_at,
                                    available_at, expires_at, program_version)
            VALUES (\(tenant.rawValue), \(id), \(member), \(source), \(order), \(points), \(points),
                    \(pending ? "pending" : "available"), \(earnedAt), \(availableAt),
                    \(program.expiresAt(earnedAt: earnedAt)), \(program.version))
            """
        )
        return id
    }

    /// Takes up to `points` from the member's available lots, first to expire first (then
    /// oldest), in one statement. Returns what it took from each lot; less than `points` if the
    /// lots hold less.
    func consumeLots(member: UUID, points: Int64, excluding excluded: UUID? = nil) async throws -> [LotTouch] {
        guard points > 0 else { return [] }
        let rows = try await query(
            """
            WITH ordered AS (
                SELECT id, remaining,
                       (sum(remaining) OVER (ORDER BY expires_at NULLS LAST, earned_at, id))::bigint - remaining AS before
                FROM point_lots
                WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member) AND state = 'available'
                  AND remaining > 0 AND id IS DISTINCT FROM \(excluded)
            ), taken AS (
                SELECT id, least(remaining, \(points) - before) AS points FROM ordered WHERE before < \(points)
            )
            UPDATE point_lots l SET remaining = l.remaining - taken.points
            FROM taken WHERE l.tenant_id = \(tenant.rawValue) AND l.id = taken.id
            RETURNING l.id, taken.points
            """
        )
        var touched: [LotTouch] = []
        for try await (id, taken) in rows.decode((UUID, Int64).self) {
            touched.append(LotTouch(lotID: id, points: taken))
        }
        return touched
    }

    /// Gives points back to the lots they were taken from (a released hold), if those lots are
    /// still available. Returns what went back; the rest belonged to lots that have expired
    /// meanwhile, and the caller expires it.
    func restoreLots(_ touches: [LotTouch]) async throws -> [LotTouch] {
        guard !touches.isEmpty else { return [] }
        let rows = try await query(
            """
            UPDATE point_lots l SET remaining = l.remaining + back.points
            FROM unnest(\(touches.map(\.lotID))::uuid[], \(touches.map(\.points))::bigint[]) AS back(id, points)
            WHERE l.tenant_id = \(tenant.rawValue) AND l.id = back.id AND l.state = 'available'
            RETURNING l.id, back.points
            """
        )
        var restored: [LotTouch] = []
        for try await (id, points) in rows.decode((UUID, Int64).self) {
            restored.append(LotTouch(lotID: id, points: points))
        }
        return restored
    }

    /// Repays the member's debt from its available lots, after something made points
    /// available: the balance does not move (it already counted the debt), the lots shrink.
    func settleDebt(_ member: MemberPoints, now: Date) async throws {
        // The lock was taken with no debt, and crediting never creates any: nothing to repay.
        guard member.debt > 0 else { return }
        let rows = try await query(
            "SELECT debt FROM balances WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id)"
        )
        guard let debt = try await rows.decode(Int64.self).first(where: { _ in true }), debt > 0 else { return }
        let touched = try await consumeLots(member: member.id, points: debt)
        guard touched.total > 0 else { return }
        try await append(
            LedgerWrite(
                member: member.id,
                at: now,
                kind: .settle,
                source: .debt,
                key: "settle:\(UUID().uuidString.lowercased())",
                description: "repaid \(touched.total) points of debt",
                lots: touched
            )
        )
        try await updateBalance(member.id, debt: -touched.total)
    }

    /// Records a domain event for the shop on the member's stream, numbered per member. The
    /// stored data is the event's fields and `member` (``MemberEvent``); the fan-out adds
    /// `sequence`.
    func recordEvent(_ member: MemberPoints, _ event: some MemberStreamEvent) async throws {
        let data = MemberEvent(member: member.externalID, event: event)
        let json = String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
        try await query(
            """
            WITH next AS (
                UPDATE balances SET event_sequence = event_sequence + 1
                WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id)
                RETURNING event_sequence
            )
            INSERT INTO domain_events (tenant_id, member_id, sequence, type, data, trace_parent)
            SELECT \(tenant.rawValue), \(member.id), event_sequence, \(event.type), \(json)::jsonb,
                \(TraceParent.current) FROM next
            """
        )
    }

    /// Grants `points` available at once as a new lot with its `adjust` entry, and repays any
    /// debt from them: what campaigns and referrals give. Returns the balance after it. The
    /// caller holds the member's balance row.
    @discardableResult
    func grantLot(
        _ member: MemberPoints,
        points: Int64,
        source: LedgerWrite.Source,
        key: String,
        sourceRef: String,
        reason: String,
        description: String? = nil,
        program: Program,
        now: Date
    ) async throws -> BalanceAfter {
        let lot = try await addLot(
            member: member.id,
            source: source.rawValue,
            points: points,
            pending: false,
            earnedAt: now,
            availableAt: now,
            program: program
        )
        try await append(
            LedgerWrite(
                member: member.id,
                at: now,
                kind: .adjust,
                source: source,
                available: points,
                key: key,
                lot: lot,
                sourceRef: sourceRef,
                programVersion: program.version,
                reason: reason,
                description: description,
                lots: [LotTouch(lotID: lot, points: points)]
            )
        )
        let balance = try await updateBalance(member.id, available: points)
        try await settleDebt(member, now: now)
        return balance
    }
}
