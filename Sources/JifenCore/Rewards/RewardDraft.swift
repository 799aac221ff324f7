import Foundation

/// A reward as a shop adds it to its catalogue: a gift a member claims for `pointsCost` points
/// per unit, while it is enabled, inside its window and in stock.
public struct RewardDraft: Sendable, Hashable {
    public static let maxPointsCost: Int64 = 1_000_000_000
    public static let maxStock: Int64 = 1_000_000_000

    public var name: String
    public var description: String?
    public var pointsCost: Int64
    /// Units left to claim; `nil`: unlimited.
    public var stock: Int64?
    public var availableFrom: Date?
    public var availableUntil: Date?
    /// Units one member may claim in total; `nil`: no limit.
    public var perMemberLimit: Int?
    /// The shop's own id (its SKU), unique in its catalogue.
    public var externalID: ExternalID?
    public var enabled: Bool
    /// A reward of type coupon: each unit claimed issues a coupon of this template.
    public var couponTemplate: UUID? = nil

    public static func validate(
        name: String,
        description: String?,
        pointsCost: Int64,
        stock: Int64?,
        availableFrom: Date?,
        availableUntil: Date?,
        perMemberLimit: Int?,
        externalID: String?,
        enabled: Bool?,
        couponTemplate: UUID? = nil
    ) throws(JifenError) -> RewardDraft {
        var v = Validator()
        v.text(name, "name", max: 200, required: true)
        v.text(description, "description", max: 2000)
        if !(1...maxPointsCost).contains(pointsCost) {
            v.fail("points_cost", "must be between 1 and \(maxPointsCost)")
        }
        RewardDraft.checkStock(stock, "stock", into: &v)
        RewardDraft.checkWindow(from: availableFrom, until: availableUntil, into: &v)
        RewardDraft.checkLimit(perMemberLimit, into: &v)
        let id = externalID.flatMap { text in v.check { () throws(JifenError) in try ExternalID(text) } }
        try v.finish()
        return RewardDraft(
            name: name,
            description: description,
            pointsCost: pointsCost,
            stock: stock,
            availableFrom: availableFrom,
            availableUntil: availableUntil,
            perMemberLimit: perMemberLimit,
            externalID: id,
            enabled: enabled ?? true,
            couponTemplate: couponTemplate
        )
    }

    static func checkStock(_ stock: Int64?, _ field: String, into v: inout Validator) {
        if let stock, !(0...maxStock).contains(stock) { v.fail(field, "must be between 0 and \(maxStock)") }
    }

    static func checkWindow(from: Date?, until: Date?, into v: inout Validator) {
        if let from, let until, until <= from { v.fail("available_until", "must be after available_from") }
    }

    static func checkLimit(_ limit: Int?, into v: inout Validator) {
        if let limit, !(1...1_000_000).contains(limit) { v.fail("per_member_limit", "must be between 1 and 1000000") }
    }
}
