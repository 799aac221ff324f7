import Foundation
import JifenCore
import PostgresNIO

// The catalogue itself. Claims (which spend points and take stock) are in
// TenantConnection+rewardClaims.swift.
extension TenantConnection {
    static let rewardColumns = """
        id, external_id, name, description, points_cost, stock, claimed, available_from, available_until,
        per_member_limit, enabled, created_at, updated_at, (extract(epoch FROM created_at) * 1000000)::bigint,
        coupon_template_id
        """

    /// Adds a reward. A reward with the same `external_id` in the catalogue is a conflict: the
    /// shop's SKU names one reward.
    public func createReward(_ draft: RewardDraft) async throws -> Reward {
        if let template = draft.couponTemplate, try await couponTemplate(template) == nil {
            throw JifenError.invalid("coupon_template", "no coupon template '\(template.uuidString.lowercased())'")
        }
        let rows = try await query(
            """
            INSERT INTO rewards (tenant_id, external_id, name, description, points_cost, stock, available_from,
                                 available_until, per_member_limit, enabled, coupon_template_id)
            VALUES (\(tenant.rawValue), \(draft.externalID?.rawValue), \(draft.name), \(draft.description),
                    \(draft.pointsCost), \(draft.stock), \(draft.availableFrom), \(draft.availableUntil),
                    \(draft.perMemberLimit), \(draft.enabled), \(draft.couponTemplate))
            ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING \(unescaped: Self.rewardColumns)
            """
        )
        for try await row in rows { return try Self.reward(from: row) }
        throw JifenError.conflict("a reward with external_id '\(draft.externalID?.rawValue ?? "")' exists already")
    }

    public func reward(_ id: UUID) async throws -> Reward? {
        let rows = try await query(
            "SELECT \(unescaped: Self.rewardColumns) FROM rewards WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        for try await row in rows { return try Self.reward(from: row) }
        return nil
    }

    /// The catalogue, newest first; `activeAt`: only the rewards claimable then (enabled, inside
    /// their window, not sold out).
    public func rewards(activeAt now: Date?, limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Reward> {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.rewardColumns) FROM rewards
            WHERE tenant_id = \(tenant.rawValue)
              AND \(after: cursor)
              AND (\(now)::timestamptz IS NULL OR (
                   enabled AND (stock IS NULL OR stock > 0)
                   AND (available_from IS NULL OR available_from <= \(now))
                   AND (available_until IS NULL OR \(now) < available_until)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit.value + 1)
            """
        )
        var rewards: [Reward] = []
        for try await row in rows { rewards.append(try Self.reward(from: row)) }
        return Page.slicing(rewards, limit: limit) { $0.cursor }
    }

    /// Changes what `change` gives, in one statement under the reward's row lock, so it never
    /// loses a concurrent claim's stock decrement: `add_stock` adds to what is left at that
    /// moment. Stock that would go below zero, or a window that would end before it starts, is
    /// a conflict and changes nothing.
    public func updateReward(_ id: UUID, _ change: RewardChange) async throws -> Reward? {
        var setStock: Int64? = nil
        var addStock: Int64? = nil
        var unlimited = false
        switch change.stock {
        case .set(let value): setStock = value
        case .add(let value): addStock = value
        case .unlimited: unlimited = true
        case nil: break
        }
        guard let current = try await lockReward(id) else { return nil }
        let reward = "reward \(id.uuidString.lowercased())"
        if let addStock {
            guard let stock = current.stock else {
                throw JifenError.conflict("\(reward) has unlimited stock; set `stock` to limit it")
            }
            guard stock + addStock >= 0 else {
                throw JifenError.conflict("\(reward) has \(stock) left; cannot take \(-addStock)")
            }
        }
        let from = change.availableFrom ?? current.availableFrom
        let until = change.availableUntil ?? current.availableUntil
        if let from, let until, until <= from {
            throw JifenError.invalid("available_until", "must be after available_from")
        }
        let rows = try await query(
            """
            UPDATE rewards SET
                name = coalesce(\(change.name), name),
                description = coalesce(\(change.description), description),
                stock = CASE WHEN \(unlimited) THEN NULL
                             WHEN \(setStock)::bigint IS NOT NULL THEN \(setStock)::bigint
                             ELSE stock + coalesce(\(addStock)::bigint, 0) END,
                available_from = coalesce(\(change.availableFrom), available_from),
                available_until = coalesce(\(change.availableUntil), available_until),
                per_member_limit = coalesce(\(change.perMemberLimit), per_member_limit),
                enabled = coalesce(\(change.enabled), enabled),
                updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            RETURNING \(unescaped: Self.rewardColumns)
            """
        )
        for try await row in rows { return try Self.reward(from: row) }
        return nil
    }

    /// Reads the reward under its row lock (`FOR NO KEY UPDATE`: claims inserting rows that
    /// reference it are not blocked by it, only other writers of the reward).
    func lockReward(_ id: UUID) async throws -> Reward? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.rewardColumns) FROM rewards
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) FOR NO KEY UPDATE
            """
        )
        for try await row in rows { return try Self.reward(from: row) }
        return nil
    }

    static func reward(from row: PostgresRow) throws -> Reward {
        let (
            id, externalID, name, description, cost, stock, claimed, from, until, limit, enabled, createdAt, updatedAt,
            micros, couponTemplate
        ) = try row.decode(
            (
                UUID, String?, String, String?, Int64, Int64?, Int64, Date?, Date?, Int?, Bool, Date, Date, Int64, UUID?
            ).self,
            context: .default
        )
        return Reward(
            id: id,
            externalID: externalID,
            name: name,
            description: description,
            pointsCost: cost,
            stock: stock,
            claimed: claimed,
            availableFrom: from,
            availableUntil: until,
            perMemberLimit: limit,
            enabled: enabled,
            couponTemplate: couponTemplate,
            createdAt: createdAt,
            updatedAt: updatedAt,
            createdAtMicros: micros
        )
    }
}
