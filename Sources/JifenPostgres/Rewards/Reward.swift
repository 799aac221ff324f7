import Foundation
import JifenCore

/// A gift in the shop's catalogue, claimed for points.
public struct Reward: Sendable, Hashable {
    public var id: UUID
    /// The shop's own id (its SKU), if it gave one.
    public var externalID: String?
    public var name: String
    public var description: String?
    public var pointsCost: Int64
    /// Units left to claim; `nil`: unlimited.
    public var stock: Int64?
    /// Units claimed so far.
    public var claimed: Int64
    public var availableFrom: Date?
    public var availableUntil: Date?
    public var perMemberLimit: Int?
    public var enabled: Bool
    /// A reward of type coupon issues one coupon of this template per unit claimed.
    public var couponTemplate: UUID?
    public var createdAt: Date
    public var updatedAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }

    /// Inside its window at `now`: from `availableFrom` (inclusive) to `availableUntil` (exclusive).
    public func isOpen(at now: Date) -> Bool {
        (availableFrom.map { $0 <= now } ?? true) && (availableUntil.map { now < $0 } ?? true)
    }

    /// Claimable at `now` by someone: enabled, open and not sold out (what `active=true` lists).
    public func isActive(at now: Date) -> Bool {
        enabled && isOpen(at: now) && (stock.map { $0 > 0 } ?? true)
    }

    /// Why `quantity` units cannot be claimed at `now`, as the error a claim gets; nothing if
    /// they can (as far as this reading of the reward knows: the claim re-checks under lock).
    func checkClaimable(quantity: Int, at now: Date) throws(JifenError) {
        let reward = "reward \(id.uuidString.lowercased())"
        guard enabled else { throw .conflict("\(reward) is disabled") }
        if let from = availableFrom, now < from {
            throw .conflict("\(reward) can be claimed from \(from.formatted(.iso8601))")
        }
        if let until = availableUntil, now >= until {
            throw .conflict("\(reward) could be claimed until \(until.formatted(.iso8601))")
        }
        if let stock, stock < Int64(quantity) {
            throw JifenError(
                .outOfStock,
                stock == 0 ? "\(reward) is out of stock" : "\(reward) has \(stock) left; \(quantity) requested"
            )
        }
    }
}
