import Foundation

/// What a `PATCH` changes in a reward; `nil` fields stay as they are.
///
/// Stock is changed one of three ways, never two at once: `stock` sets what is left (counting
/// claims made meanwhile as if they had not happened), `addStock` adds to (or, negative, takes
/// from) what is left *now*, which is what a shop restocking wants while members keep claiming,
/// and `unlimitedStock` lifts the limit.
public struct RewardChange: Sendable, Hashable {
    public enum Stock: Sendable, Hashable {
        case set(Int64)
        case add(Int64)
        case unlimited
    }

    public var name: String?
    public var description: String?
    public var stock: Stock?
    public var availableFrom: Date?
    public var availableUntil: Date?
    public var perMemberLimit: Int?
    public var enabled: Bool?

    public static func validate(
        name: String?,
        description: String?,
        stock: Int64?,
        addStock: Int64?,
        unlimitedStock: Bool?,
        availableFrom: Date?,
        availableUntil: Date?,
        perMemberLimit: Int?,
        enabled: Bool?
    ) throws(JifenError) -> RewardChange {
        var v = Validator()
        v.text(name, "name", max: 200, required: name != nil)
        v.text(description, "description", max: 2000)
        RewardDraft.checkStock(stock, "stock", into: &v)
        if let addStock, addStock == 0 || !(-RewardDraft.maxStock...RewardDraft.maxStock).contains(addStock) {
            v.fail("add_stock", "must be between -\(RewardDraft.maxStock) and \(RewardDraft.maxStock), not 0")
        }
        if unlimitedStock == false { v.fail("unlimited_stock", "may only be true (set `stock` to limit it)") }
        let ways = [stock != nil, addStock != nil, unlimitedStock == true].filter { $0 }.count
        if ways > 1 { v.fail("stock", "give only one of stock, add_stock and unlimited_stock") }
        // Both bounds given: checked here; one bound: checked against the stored other one.
        RewardDraft.checkWindow(from: availableFrom, until: availableUntil, into: &v)
        RewardDraft.checkLimit(perMemberLimit, into: &v)
        try v.finish()
        var change = RewardChange()
        change.name = name
        change.description = description
        if let stock {
            change.stock = .set(stock)
        } else if let addStock {
            change.stock = .add(addStock)
        } else if unlimitedStock == true {
            change.stock = .unlimited
        }
        change.availableFrom = availableFrom
        change.availableUntil = availableUntil
        change.perMemberLimit = perMemberLimit
        change.enabled = enabled
        return change
    }
}
