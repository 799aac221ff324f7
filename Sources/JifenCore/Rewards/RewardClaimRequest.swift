import Foundation

/// A member's claim of `quantity` units of a reward, validated by the API.
public struct RewardClaimRequest: Sendable, Hashable {
    public static let maxQuantity = 1000

    public var reward: UUID
    public var quantity: Int

    /// `reward` is the id Jifen gave the reward; anything else cannot name one (422, unlike an
    /// unknown id, which is 404).
    public static func validate(reward: String, quantity: Int?) throws(JifenError) -> RewardClaimRequest {
        var v = Validator()
        let id = UUID(uuidString: reward)
        if id == nil { v.fail("reward", "must be a reward's id (a UUID)") }
        let quantity = quantity ?? 1
        if !(1...maxQuantity).contains(quantity) { v.fail("quantity", "must be between 1 and \(maxQuantity)") }
        try v.finish()
        guard let id else { throw JifenError(.internalError, "validation lost a field") }
        return RewardClaimRequest(reward: id, quantity: quantity)
    }
}
