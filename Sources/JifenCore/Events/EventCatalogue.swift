/// Every event type Jifen sends to shops' webhook endpoints. An endpoint subscribes to some of
/// them, or to all.
public enum EventCatalogue {
    public static let types: [String] = [
        "points.pending", "points.earned", "points.released", "points.redeemed", "points.reversed",
        "points.adjusted", "points.expiring", "points.expired", "tier.changed", "referral.rewarded",
        "referral.rejected", "member.lapsed", "campaign.completed", "schedule.installment_granted",
        "reward.claimed", "webhook.test",
    ]

    public static func isKnown(_ type: String) -> Bool { types.contains(type) }
}
