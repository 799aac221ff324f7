import Foundation
import JifenCore
import PostgresNIO

// Claiming a reward: spend its points through a redemption (a hold captured at once, so lots,
// ledger entries, balance, `points.redeemed` and the audit invariants are exactly a
// redemption's) and take its stock, all in one transaction.
//
// Lock order, extending the one every points operation follows (order row → balance row →
// redemption row): balance row → reward row → redemption row. The reward row is the hot one
// — every member claiming a popular gift wants it — so it is taken after the member's balance
// row and as late as possible (the conditional UPDATE that takes stock is the claim's last
// write): a claim never holds the reward while waiting for a member's lock (an order being
// scored, a refund), so one busy member cannot stall everyone's claims, and the reward's lock
// is held only from that UPDATE to the commit. Nothing else takes a reward row and then a
// balance row, so no cycle, hence no deadlock. The redemption row is new in this transaction:
// nobody else can wait on it. (Inserting the claim row takes a FOR KEY SHARE lock on the reward
// through its foreign key; that conflicts with neither the claims' nor PATCH's FOR NO KEY UPDATE,
// since neither changes the reward's keys, so it never waits.)
extension TenantConnection {
    /// Claims `request.quantity` units of a reward for the member, at `now`. Throws
    /// `not-found` (member or reward), `conflict` (disabled, outside its window, over the
    /// per-member limit), `out-of-stock`, or `insufficient-points`; nothing changes then.
    public func claimReward(member externalID: ExternalID, _ request: RewardClaimRequest, now: Date = Date())
        async throws -> RewardClaim
    {
        guard let memberRecord = try await member(externalID) else {
            throw JifenError.notFound("no member '\(externalID)'")
        }
        guard let reward = try await reward(request.reward) else {
            throw JifenError.notFound("no reward '\(request.reward.uuidString.lowercased())'")
        }
        // Refuse early, without any lock, what is plainly not claimable; the stock UPDATE below
        // checks again under the reward's lock, which is what actually decides.
        try reward.checkClaimable(quantity: request.quantity, at: now)
        // The cost cannot change (PATCH does not touch it), so this unlocked read is the price.
        let (points, overflow) = reward.pointsCost.multipliedReportingOverflow(by: Int64(request.quantity))
        guard !overflow else { throw JifenError.invalid("quantity", "costs more points than can be counted") }
        let program = try await program()
        let member = try await lockMember(memberRecord.id)
        if let limit = reward.perMemberLimit {
            // Under the member's lock: this member's other claims have committed or wait behind us.
            let claimed = try await claimedUnits(reward: reward.id, member: member.id)
            guard claimed + Int64(request.quantity) <= Int64(limit) else {
                throw JifenError.conflict(
                    "member '\(externalID)' has claimed \(claimed) of reward \(reward.id.uuidString.lowercased()), "
                        + "limited to \(limit) per member"
                )
            }
        }
        let claimID = UUID()
        // The claim row first: the redemption references it.
        try await query(
            """
            INSERT INTO reward_claims (tenant_id, id, reward_id, member_id, quantity, points, created_at)
            VALUES (\(tenant.rawValue), \(claimID), \(reward.id), \(member.id), \(request.quantity), \(points), \(now))
            """
        )
        let description = "reward '\(reward.name)' × \(request.quantity)"
        let (redemptionID, _) = try await hold(
            member,
            points: points,
            value: program.redemption.value(of: points),
            program: program,
            orderReference: nil,
            rewardClaim: claimID,
            description: description,
            now: now
        )
        guard let held = try await redemption(redemptionID) else {
            throw JifenError(.internalError, "redemption \(redemptionID) vanished in its own transaction")
        }
        let claim = claimID.uuidString.lowercased()
        try await captureHeld(
            held,
            member: member,
            description: description,
            rewardClaim: claim,
            now: now
        )
        // The balance after, as every points event carries it.
        let rows = try await query(
            "SELECT available, pending FROM balances WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id)"
        )
        guard let (available, pending) = try await rows.decode((Int64, Int64).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "member \(member.id) has no balance row while it is locked")
        }
        try await recordEvent(
            member,
            RewardClaimed(
                claim: claim,
                reward: reward.id.uuidString.lowercased(),
                rewardExternalID: reward.externalID,
                rewardName: reward.name,
                quantity: Int64(request.quantity),
                points: points,
                available: available,
                pending: pending,
                redemption: redemptionID.uuidString.lowercased()
            )
        )
        try await takeStock(reward.id, quantity: request.quantity, now: now)
        if let template = reward.couponTemplate {
            // After the reward's stock: a template out of coupons fails the claim, and nothing of it
            // stays (the transaction rolls back the points too).
            for n in 0..<request.quantity {
                _ = try await issueCoupon(
                    CouponIssue(template: template, key: "reward:\(claim):\(n)", source: .reward, sourceRef: claim),
                    to: member,
                    program: program,
                    now: now
                )
            }
        }
        guard let claimed = try await rewardClaim(claimID) else {
            throw JifenError(.internalError, "claim \(claimID) vanished in its own transaction")
        }
        return claimed
    }

    /// Takes `quantity` units in one conditional UPDATE: PostgreSQL re-checks its `WHERE` on the
    /// latest row version after waiting for a concurrent claim's lock, so two claims can never
    /// both take the last unit. No row updated: re-read the reward to say why.
    private func takeStock(_ id: UUID, quantity: Int, now: Date) async throws {
        let rows = try await query(
            """
            UPDATE rewards SET stock = stock - \(Int64(quantity)), claimed = claimed + \(Int64(quantity)),
                               updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND enabled
              AND (stock IS NULL OR stock >= \(Int64(quantity)))
              AND (available_from IS NULL OR available_from <= \(now))
              AND (available_until IS NULL OR \(now) < available_until)
            RETURNING 1
            """
        )
        guard try await rows.decode(Int.self).first(where: { _ in true }) == nil else { return }
        guard let reward = try await reward(id) else { throw JifenError.notFound("no reward '\(id)'") }
        try reward.checkClaimable(quantity: quantity, at: now)
        throw JifenError.conflict("reward \(id.uuidString.lowercased()) cannot be claimed now")
    }

    private func claimedUnits(reward: UUID, member: UUID) async throws -> Int64 {
        let rows = try await query(
            """
            SELECT coalesce(sum(quantity), 0)::bigint FROM reward_claims
            WHERE tenant_id = \(tenant.rawValue) AND reward_id = \(reward) AND member_id = \(member)
            """
        )
        return try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0
    }

    static let claimColumns = """
        c.id, c.reward_id, w.external_id, w.name, m.external_id, c.quantity, c.points, r.id, c.created_at,
        (extract(epoch FROM c.created_at) * 1000000)::bigint,
        ARRAY(SELECT k.code FROM coupons k WHERE k.tenant_id = c.tenant_id AND k.source = 'reward'
              AND k.source_ref = c.id::text ORDER BY k.issue_key)
        FROM reward_claims c
        JOIN rewards w ON w.tenant_id = c.tenant_id AND w.id = c.reward_id
        JOIN members m ON m.tenant_id = c.tenant_id AND m.id = c.member_id
        JOIN redemptions r ON r.tenant_id = c.tenant_id AND r.reward_claim_id = c.id
        """

    public func rewardClaim(_ id: UUID) async throws -> RewardClaim? {
        let rows = try await query(
            "SELECT \(unescaped: Self.claimColumns) WHERE c.tenant_id = \(tenant.rawValue) AND c.id = \(id)"
        )
        for try await row in rows { return try Self.claim(from: row) }
        return nil
    }

    /// The member's claims, newest first.
    public func rewardClaims(member: UUID, limit: PageLimit, after cursor: PageCursor?) async throws
        -> Page<RewardClaim>
    {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.claimColumns)
            WHERE c.tenant_id = \(tenant.rawValue) AND c.member_id = \(member)
              AND \(after: cursor, on: "c")
            ORDER BY c.created_at DESC, c.id DESC LIMIT \(limit.value + 1)
            """
        )
        var claims: [RewardClaim] = []
        for try await row in rows { claims.append(try Self.claim(from: row)) }
        return Page.slicing(claims, limit: limit) { $0.cursor }
    }

    static func claim(from row: PostgresRow) throws -> RewardClaim {
        let (id, reward, sku, name, member, quantity, points, redemption, createdAt, micros, coupons) = try row.decode(
            (UUID, UUID, String?, String, String, Int, Int64, UUID, Date, Int64, [String]).self,
            context: .default
        )
        return RewardClaim(
            id: id,
            reward: reward,
            rewardExternalID: sku,
            rewardName: name,
            member: member,
            quantity: quantity,
            points: points,
            redemption: redemption,
            coupons: coupons,
            createdAt: createdAt,
            createdAtMicros: micros
        )
    }
}
