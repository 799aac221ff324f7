import Foundation
import JifenCore
import JifenPostgres

// Conversions for the rewards catalogue: rewards and members' claims of them.

extension Components.Schemas.Reward {
    /// `now` decides `active`, so a page of rewards is judged at one instant.
    init(_ reward: Reward, now: Date) {
        self.init(
            id: reward.id.uuidString.lowercased(),
            externalId: reward.externalID,
            name: reward.name,
            description: reward.description,
            pointsCost: reward.pointsCost,
            stock: reward.stock,
            claimed: reward.claimed,
            availableFrom: reward.availableFrom,
            availableUntil: reward.availableUntil,
            perMemberLimit: reward.perMemberLimit,
            enabled: reward.enabled,
            active: reward.isActive(at: now),
            couponTemplate: reward.couponTemplate?.uuidString.lowercased(),
            createdAt: reward.createdAt,
            updatedAt: reward.updatedAt
        )
    }
}

extension Components.Schemas.RewardClaim {
    init(_ claim: RewardClaim) {
        self.init(
            id: claim.id.uuidString.lowercased(),
            reward: claim.reward.uuidString.lowercased(),
            rewardExternalId: claim.rewardExternalID,
            rewardName: claim.rewardName,
            member: claim.member,
            quantity: claim.quantity,
            points: claim.points,
            redemption: claim.redemption.uuidString.lowercased(),
            coupons: claim.coupons.isEmpty ? nil : claim.coupons,
            createdAt: claim.createdAt
        )
    }
}
