import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createReward(_ input: Operations.CreateReward.Input) async throws -> Operations.CreateReward.Output {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try RewardDraft.validate(
            name: body.name,
            description: body.description,
            pointsCost: body.pointsCost,
            stock: body.stock,
            availableFrom: body.availableFrom,
            availableUntil: body.availableUntil,
            perMemberLimit: body.perMemberLimit,
            externalID: body.externalId,
            enabled: body.enabled,
            couponTemplate: try body.couponTemplate.map { text throws(JifenError) in
                try Self.bodyUUID(text, field: "coupon_template")
            }
        )
        let reward = try await withTenant { connection in
            let reward = try await connection.createReward(draft)
            try await connection.recordAudit(
                .rewardCreated,
                target: reward.id.uuidString.lowercased(),
                after: Components.Schemas.Reward(reward, now: Date())
            )
            return reward
        }
        logger.info("reward created", metadata: ["reward": "\(reward.id)", "points_cost": "\(reward.pointsCost)"])
        return .created(.init(body: .json(.init(reward, now: Date()))))
    }

    public func listRewards(_ input: Operations.ListRewards.Input) async throws -> Operations.ListRewards.Output {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let now = Date()
        let activeAt = input.query.active == true ? now : nil
        let page = try await withTenant { try await $0.rewards(activeAt: activeAt, limit: limit, after: cursor) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map { Components.Schemas.Reward($0, now: now) },
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func getReward(_ input: Operations.GetReward.Input) async throws -> Operations.GetReward.Output {
        let id = try Self.lookupUUID(input.path.reward, kind: "reward")
        guard let reward = try await withTenant({ try await $0.reward(id) }) else {
            throw JifenError.notFound("no reward '\(input.path.reward)'")
        }
        return .ok(.init(body: .json(.init(reward, now: Date()))))
    }

    public func updateReward(_ input: Operations.UpdateReward.Input) async throws -> Operations.UpdateReward.Output {
        let id = try Self.lookupUUID(input.path.reward, kind: "reward")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let change = try RewardChange.validate(
            name: body.name,
            description: body.description,
            stock: body.stock,
            addStock: body.addStock,
            unlimitedStock: body.unlimitedStock,
            availableFrom: body.availableFrom,
            availableUntil: body.availableUntil,
            perMemberLimit: body.perMemberLimit,
            enabled: body.enabled
        )
        let updated = try await withTenant { connection -> Reward? in
            guard let old = try await connection.reward(id), let reward = try await connection.updateReward(id, change)
            else { return nil }
            let now = Date()
            try await connection.recordAudit(
                .rewardUpdated,
                target: id.uuidString.lowercased(),
                before: Components.Schemas.Reward(old, now: now),
                after: Components.Schemas.Reward(reward, now: now)
            )
            return reward
        }
        guard let reward = updated else {
            throw JifenError.notFound("no reward '\(input.path.reward)'")
        }
        return .ok(.init(body: .json(.init(reward, now: Date()))))
    }

    public func claimReward(_ input: Operations.ClaimReward.Input) async throws -> Operations.ClaimReward.Output {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let request = try RewardClaimRequest.validate(reward: body.reward, quantity: body.quantity)
        let claim = try await withTenant { try await $0.claimReward(member: member, request) }
        logger.info(
            "reward claimed",
            metadata: ["claim": "\(claim.id)", "reward": "\(claim.reward)", "points": "\(claim.points)"]
        )
        return .created(.init(body: .json(.init(claim))))
    }

    public func listRewardClaims(_ input: Operations.ListRewardClaims.Input) async throws
        -> Operations.ListRewardClaims.Output
    {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { connection -> Page<RewardClaim>? in
            guard let member = try await connection.member(externalID) else { return nil }
            return try await connection.rewardClaims(member: member.id, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.RewardClaim.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }
}
