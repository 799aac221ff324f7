/// A member's claim of `quantity` units of a reward, validated by the API.
public struct RewardClaimRequest: Sendable, Hashable {
    public static let maxQuantity = 1000

    public var reward: String
    public var quantity: Int

    public static func validate(reward: String, quantity: Int?) throws(JifenError) -> RewardClaimRequest {
        let quantity = quantity ?? 1
        guard (1...maxQuantity).contains(quantity) else {
            throw .invalid("quantity", "must be between 1 and \(maxQuantity)")
        }
        return RewardClaimRequest(reward: reward, quantity: quantity)
    }
}
