import Foundation
import JifenCore
import PostgresNIO

/// What the workers keep current about a member beyond its points: order statistics (for
/// segments), its tier, and whether it has lapsed.
extension TenantConnection {
    /// Recomputes the member's order statistics from its scored orders, then looks at its tier
    /// and pending referral, after one of its orders was refunded or cancelled (a newly scored
    /// order adds itself to the statistics as it is scored: ``GrowthDelta``). The caller holds
    /// the member's balance row.
    func recountGrowth(_ member: MemberPoints, program: Program, now: Date) async throws {
        try await query(
            """
            UPDATE members m SET order_count = s.orders, total_spend = s.spend, first_order_at = s.first_at,
                                 last_order_at = s.last_at
            FROM (
                SELECT count(*) FILTER (WHERE o.amount > coalesce(r.refunded, 0))::integer AS orders,
                       coalesce(sum(greatest(o.amount - coalesce(r.refunded, 0), 0)), 0)::bigint AS spend,
                       min(o.placed_at) AS first_at, max(o.placed_at) AS last_at
                FROM orders o
                LEFT JOIN LATERAL (SELECT sum(amount) AS refunded FROM refunds
                                   WHERE tenant_id = o.tenant_id AND order_id = o.id) r ON true
                WHERE o.tenant_id = \(tenant.rawValue) AND o.member_id = \(member.id)
                  AND o.status IN ('paid', 'refunded') AND o.qualifies_at IS NOT NULL
                  AND (\(program.currency?.code)::text IS NULL OR o.currency = \(program.currency?.code))
            ) s
            WHERE m.tenant_id = \(tenant.rawValue) AND m.id = \(member.id)
            """
        )
        try await reviewGrowth(member, program: program, now: now)
    }

    /// Looks at the member's tier and pending referral (each only where the program has them).
    func reviewGrowth(_ member: MemberPoints, program: Program, now: Date) async throws {
        try await evaluateTier(member, program: program, now: now, allowDowngrade: false)
        try await rewardReferral(member, program: program, now: now)
    }

    /// The member's qualifying orders at `now`: paid, past their return window, within the
    /// program's tier window, with their spend net of refunds.
    func qualifyingOrders(_ member: UUID, tiers: TierRules, program: Program, now: Date) async throws
        -> [(qualifiedAt: Date, spend: Int64)]
    {
        let start = tiers.windowStart(now: now, in: program.zone)
        let rows = try await query(
            """
            SELECT o.qualifies_at,
                   greatest(o.amount - coalesce((SELECT sum(amount) FROM refunds
                                                 WHERE tenant_id = o.tenant_id AND order_id = o.id), 0), 0)::bigint
            FROM orders o
            WHERE o.tenant_id = \(tenant.rawValue) AND o.member_id = \(member)
              AND o.status IN ('paid', 'refunded') AND o.qualifies_at <= \(now)
              AND (\(start)::timestamptz IS NULL OR o.qualifies_at > \(start))
              AND (\(program.currency?.code)::text IS NULL OR o.currency = \(program.currency?.code))
            """
        )
        var orders: [(qualifiedAt: Date, spend: Int64)] = []
        for try await (at, spend) in rows.decode((Date, Int64).self) { orders.append((at, spend)) }
        return orders
    }

    /// Reads the member's qualifying metric and stored tier, and writes what ``TierDecision``
    /// decides: up at once, down only at the periodic evaluation (`allowDowngrade`) after the
    /// grace period, the grace clock otherwise. Records `tier.changed` for every move.
    @discardableResult
    func evaluateTier(_ member: MemberPoints, program: Program, now: Date, allowDowngrade: Bool) async throws
        -> TierChange?
    {
        guard let tiers = program.tiers else { return nil }
        let orders = try await qualifyingOrders(member.id, tiers: tiers, program: program, now: now)
        let value = orders.reduce(Int64(0)) { $0 + tiers.contribution(ofSpend: $1.spend) }
        let rows = try await query(
            "SELECT tier, tier_below_since FROM members WHERE tenant_id = \(tenant.rawValue) AND id = \(member.id)"
        )
        var stored: (code: String?, belowSince: Date?) = (nil, nil)
        for try await row in rows.decode((String?, Date?).self) { stored = row }
        let decision = TierDecision.decide(
            tiers: tiers,
            value: value,
            storedCode: stored.code,
            belowSince: stored.belowSince,
            now: now,
            allowDowngrade: allowDowngrade
        )
        switch decision {
        case .move(let from, let to, let direction):
            try await query(
                """
                UPDATE members SET tier = \(to.code), tier_since = \(now), tier_below_since = NULL,
                                   tier_evaluated_at = \(now)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(member.id)
                """
            )
            try await recordEvent(
                member,
                TierChanged(from: from.code, to: to.code, direction: direction, metric: tiers.metric, value: value)
            )
            return TierChange(from: from.code, to: to.code, value: value)
        case .keep(let level, let belowSince):
            try await query(
                """
                UPDATE members SET tier = coalesce(tier, \(level.code)), tier_below_since = \(belowSince),
                                   tier_evaluated_at = CASE WHEN \(allowDowngrade) THEN \(now) ELSE tier_evaluated_at END
                WHERE tenant_id = \(tenant.rawValue) AND id = \(member.id)
                """
            )
            return nil
        }
    }

    /// The daily evaluation: members not evaluated for a day are looked at again — downgrades
    /// after the grace period, and upgrades nothing else triggered (an order whose return window
    /// ended without points to release). At most `limit` members per call; returns how many.
    public func evaluateTiers(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let program = try await program()
        guard program.tiers != nil else { return 0 }
        let due = try await query(
            """
            SELECT id FROM members
            WHERE tenant_id = \(tenant.rawValue) AND (tier IS NOT NULL OR order_count > 0)
              AND (tier_evaluated_at IS NULL OR tier_evaluated_at <= \(now) - interval '1 day')
            ORDER BY id LIMIT \(limit)
            """
        )
        var members: [UUID] = []
        for try await id in due.decode(UUID.self) { members.append(id) }
        for id in members {
            let member = try await lockMember(id)
            try await evaluateTier(member, program: program, now: now, allowDowngrade: true)
        }
        return members.count
    }

    /// Records `member.lapsed` for every member whose last order is older than the program's
    /// repurchase window, once per lapse: again only after a newer order lapses in turn.
    /// Returns how many lapsed.
    public func detectLapses(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let program = try await program()
        guard let lapse = program.lapse else { return 0 }
        let cutoff = now.addingTimeInterval(-TimeInterval(lapse.repurchaseWindowDays) * 86_400)
        let due = try await query(
            """
            SELECT id FROM members
            WHERE tenant_id = \(tenant.rawValue) AND last_order_at < \(cutoff)
              AND (lapsed_at IS NULL OR lapsed_at < last_order_at)
            ORDER BY id LIMIT \(limit)
            """
        )
        var members: [UUID] = []
        for try await id in due.decode(UUID.self) { members.append(id) }
        for id in members {
            // The balance row first, as every points operation takes it, then the member's.
            let member = try await lockMember(id)
            let rows = try await query(
                """
                UPDATE members SET lapsed_at = \(now)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND last_order_at < \(cutoff)
                  AND (lapsed_at IS NULL OR lapsed_at < last_order_at)
                RETURNING last_order_at, order_count, total_spend
                """
            )
            for try await (lastOrder, orders, spend) in rows.decode((Date, Int, Int64).self) {
                let days = Int64(now.timeIntervalSince(lastOrder) / 86_400)
                try await recordEvent(
                    member,
                    MemberLapsed(
                        lastOrderAt: lastOrder,
                        daysSinceLastOrder: days,
                        repurchaseWindowDays: lapse.repurchaseWindowDays,
                        orderCount: Int64(orders),
                        totalSpend: spend
                    )
                )
            }
        }
        return members.count
    }

    /// Where the member stands in `program`'s tiers, for `GET /v1/members/{member}`.
    public func tierStanding(_ member: Member, program: Program, now: Date = Date()) async throws -> TierStanding? {
        guard let tiers = program.tiers else { return nil }
        let orders = try await qualifyingOrders(member.id, tiers: tiers, program: program, now: now)
        let value = orders.reduce(Int64(0)) { $0 + tiers.contribution(ofSpend: $1.spend) }
        let level = tiers.level(code: member.tier.code)
        return TierStanding(
            level: level,
            since: member.tier.since,
            metric: tiers.metric,
            value: value,
            next: tiers.next(after: level.code),
            keptUntil: tiers.keptUntil(
                level: level,
                orders: orders,
                belowSince: member.tier.belowSince,
                in: program.zone
            )
        )
    }
}

/// A tier move, as the evaluation made it.
public struct TierChange: Sendable, Hashable {
    public var from: String
    public var to: String
    public var value: Int64
}

/// A member's tier with its progress, as the API shows it.
public struct TierStanding: Sendable, Hashable {
    public var level: TierRules.Level
    public var since: Date?
    public var metric: TierRules.Metric
    /// The qualifying metric now.
    public var value: Int64
    public var next: TierRules.Level?
    /// `nil`: kept as long as nothing is refunded (lifetime), or it is the base level.
    public var keptUntil: Date?
}
