import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Holds `request.points` of the member's available points: takes them from its lots,
    /// first to expire first, under the member's lock — so concurrent redemptions queue up and
    /// each sees what the previous one left. Throws `insufficient-points` when they are not
    /// there. The hold expires after the program's `hold_minutes`; a job releases it then.
    public func placeHold(member externalID: ExternalID, _ request: RedemptionRequest, now: Date = Date())
        async throws -> Redemption?
    {
        guard let memberRecord = try await member(externalID) else { return nil }
        let program = try await program()
        let value = try program.redemption.check(points: request.points, orderTotal: request.orderTotal)
        let member = try await lockMember(memberRecord.id)
        let (id, expiresAt) = try await hold(
            member,
            points: request.points,
            value: value,
            program: program,
            orderReference: request.orderReference,
            now: now
        )
        try await enqueue(.expireHolds, payload: "{}", runAt: expiresAt)
        return try await redemption(id)
    }

    /// Holds `points` of `member` (whose lock the caller holds) and returns the redemption's id
    /// and expiry. A reward claim passes `rewardClaim` (and `description`) and captures the
    /// hold at once, in the same transaction.
    func hold(
        _ member: MemberPoints,
        points: Int64,
        value: Int64,
        program: Program,
        orderReference: String?,
        rewardClaim: UUID? = nil,
        description: String? = nil,
        now: Date
    ) async throws -> (id: UUID, expiresAt: Date) {
        guard member.available >= points else {
            throw JifenError(
                .insufficientPoints,
                "member '\(member.externalID)' has \(member.available) available points; \(points) requested"
            )
        }
        let touched = try await consumeLots(member: member.id, points: points)
        guard touched.total == points else {
            throw JifenError(
                .internalError,
                "lots of member '\(member.externalID)' hold less than its available balance"
            )
        }
        let id = UUID()
        let expiresAt = program.redemption.holdExpiry(from: now)
        try await query(
            """
            INSERT INTO redemptions (tenant_id, id, member_id, points, value_amount, currency, order_reference, state,
                                     program_version, expires_at, created_at, reward_claim_id)
            VALUES (\(tenant.rawValue), \(id), \(member.id), \(points), \(value), \(program.currency?.code),
                    \(orderReference), 'held', \(program.version), \(expiresAt), \(now), \(rewardClaim))
            """
        )
        try await append(
            LedgerWrite(
                member: member.id,
                at: now,
                kind: .hold,
                source: .redemption,
                available: -points,
                key: "redemption:\(id.uuidString.lowercased()):hold",
                sourceRef: id.uuidString.lowercased(),
                programVersion: program.version,
                description: description ?? orderReference.map { "for order \($0)" },
                lots: touched
            )
        )
        try await updateBalance(member.id, available: -points, held: points)
        return (id, expiresAt)
    }

    /// Makes a hold final: the points are spent. Capturing again returns it unchanged; a hold
    /// that was released or has expired cannot be captured.
    public func capture(redemption id: UUID, now: Date = Date()) async throws -> Redemption? {
        guard let (redemption, member) = try await lockRedemption(id) else { return nil }
        switch redemption.state {
        case .captured: return redemption
        case .released, .expired:
            throw JifenError.conflict(
                "redemption \(id.uuidString.lowercased()) was \(redemption.state.rawValue); place a new one"
            )
        case .held:
            guard redemption.expiresAt > now else {
                try await returnHold(redemption, member: member, as: .expired, now: now)
                throw JifenError.conflict(
                    "redemption \(id.uuidString.lowercased()) expired at \(redemption.expiresAt.formatted(.iso8601))"
                )
            }
        }
        return try await captureHeld(redemption, member: member, now: now)
    }

    /// Captures a hold of `member` (whose lock the caller holds, with the redemption's):
    /// the points are spent, `points.redeemed` tells the shop (with the reward claim that spent
    /// them, if one did).
    @discardableResult
    func captureHeld(
        _ redemption: Redemption,
        member: MemberPoints,
        description: String? = nil,
        rewardClaim: String? = nil,
        now: Date
    ) async throws -> Redemption? {
        let id = redemption.id
        try await query(
            """
            UPDATE redemptions SET state = 'captured', captured_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        try await append(
            LedgerWrite(
                member: member.id,
                at: now,
                kind: .redeem,
                source: .redemption,
                key: "redemption:\(id.uuidString.lowercased()):capture",
                sourceRef: id.uuidString.lowercased(),
                programVersion: redemption.programVersion,
                description: description ?? redemption.orderReference.map { "for order \($0)" },
                lots: redemption.lots
            )
        )
        let balance = try await updateBalance(member.id, held: -redemption.points, redeemed: redemption.points)
        try await recordEvent(
            member,
            PointsEvent(
                .redeemed,
                points: redemption.points,
                available: balance.available,
                pending: balance.pending,
                redemption: id.uuidString.lowercased(),
                orderReference: redemption.orderReference,
                rewardClaim: rewardClaim
            )
        )
        return try await self.redemption(id)
    }

    /// Returns a hold's points to the lots they came from. Releasing again returns it
    /// unchanged; a captured redemption cannot be released.
    public func release(redemption id: UUID, now: Date = Date()) async throws -> Redemption? {
        guard let (redemption, member) = try await lockRedemption(id) else { return nil }
        switch redemption.state {
        case .released, .expired: return redemption
        case .captured:
            throw JifenError.conflict("redemption \(id.uuidString.lowercased()) was captured: the points are spent")
        case .held: try await returnHold(redemption, member: member, as: .released, now: now)
        }
        return try await self.redemption(id)
    }

    /// Releases every hold of the tenant that has expired by `now`; returns how many.
    public func expireHolds(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            SELECT id FROM redemptions WHERE tenant_id = \(tenant.rawValue) AND state = 'held' AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit)
            """
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        var expired = 0
        for id in ids {
            guard let (redemption, member) = try await lockRedemption(id), redemption.state == .held else { continue }
            try await returnHold(redemption, member: member, as: .expired, now: now)
            expired += 1
        }
        return expired
    }

    private func returnHold(_ redemption: Redemption, member: MemberPoints, as state: Redemption.State, now: Date)
        async throws
    {
        try await query(
            """
            UPDATE redemptions SET state = \(state.rawValue), released_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(redemption.id)
            """
        )
        let restored = try await restoreLots(redemption.lots)
        try await append(
            LedgerWrite(
                member: member.id,
                at: now,
                kind: .holdRelease,
                source: .redemption,
                available: redemption.points,
                key: "redemption:\(redemption.id.uuidString.lowercased()):release",
                sourceRef: redemption.id.uuidString.lowercased(),
                programVersion: redemption.programVersion,
                reason: state == .expired ? "hold_expired" : nil,
                lots: redemption.lots
            )
        )
        try await updateBalance(member.id, available: redemption.points, held: -redemption.points)
        // Points whose lot expired while they were held expire now, as they would have.
        let restoredIDs = Set(restored.map(\.lotID))
        let lapsed = redemption.lots.filter { !restoredIDs.contains($0.lotID) }
        if lapsed.total > 0 {
            try await append(
                LedgerWrite(
                    member: member.id,
                    at: now,
                    kind: .expire,
                    source: .expiry,
                    available: -lapsed.total,
                    key: "redemption:\(redemption.id.uuidString.lowercased()):expire",
                    sourceRef: redemption.id.uuidString.lowercased(),
                    reason: "lot_expired_while_held",
                    lots: lapsed
                )
            )
            let balance = try await updateBalance(member.id, available: -lapsed.total, expired: lapsed.total)
            PointsMetrics.expired.increment(by: lapsed.total)
            try await recordEvent(
                member,
                PointsEvent(.expired, points: lapsed.total, available: balance.available, pending: balance.pending)
            )
        }
        try await settleDebt(member, now: now)
    }

    /// Locks the redemption's member, then the redemption (the lock order every points
    /// operation follows), and reads it.
    private func lockRedemption(_ id: UUID) async throws -> (Redemption, MemberPoints)? {
        let owner = try await query(
            "SELECT member_id FROM redemptions WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        guard let memberID = try await owner.decode(UUID.self).first(where: { _ in true }) else { return nil }
        let member = try await lockMember(memberID)
        try await query("SELECT 1 FROM redemptions WHERE tenant_id = \(tenant.rawValue) AND id = \(id) FOR UPDATE")
        guard let redemption = try await redemption(id) else { return nil }
        return (redemption, member)
    }

    public func redemption(_ id: UUID) async throws -> Redemption? {
        let rows = try await query(
            """
            SELECT r.id, m.external_id, r.points, r.value_amount, r.currency, r.order_reference, r.state,
                   r.program_version, r.expires_at, r.created_at, r.captured_at, r.released_at, e.lots::text
            FROM redemptions r
            JOIN members m ON m.tenant_id = r.tenant_id AND m.id = r.member_id
            LEFT JOIN ledger_entries e ON e.tenant_id = r.tenant_id
                 AND e.idempotency_key = 'redemption:' || r.id::text || ':hold'
            WHERE r.tenant_id = \(tenant.rawValue) AND r.id = \(id)
            """
        )
        for try await (
            id, member, points, value, currency, reference, state, version, expiresAt, createdAt, capturedAt,
            releasedAt, lots
        ) in rows.decode(
            (UUID, String, Int64, Int64, String?, String?, String, Int, Date, Date, Date?, Date?, String?).self
        ) {
            return Redemption(
                id: id,
                member: member,
                points: points,
                value: value,
                currency: currency,
                orderReference: reference,
                state: Redemption.State(rawValue: state) ?? .held,
                programVersion: version,
                expiresAt: expiresAt,
                createdAt: createdAt,
                capturedAt: capturedAt,
                releasedAt: releasedAt,
                lots: try LotTouch.decode(lots ?? "[]")
            )
        }
        return nil
    }
}
