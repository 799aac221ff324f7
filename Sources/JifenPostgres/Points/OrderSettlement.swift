import Foundation
import JifenCore

/// What bringing an order's points in line with its state did.
public struct OrderSettlement: Sendable, Hashable {
    /// Set when this call scored the order.
    public var award: EarningAward?
    /// Points taken back by this call (refunds applied, or the rest on cancel / full refund).
    public var clawedBack: Int64 = 0
    /// Points a clawback could not take because they were spent (policy `stop_at_zero`).
    public var forgiven: Int64 = 0

    public init(award: EarningAward? = nil, clawedBack: Int64 = 0, forgiven: Int64 = 0) {
        self.award = award
        self.clawedBack = clawedBack
        self.forgiven = forgiven
    }
}

/// A refund as stored, with what it took back.
public struct Refund: Sendable, Hashable {
    public var id: UUID
    public var externalID: String
    public var order: String
    public var amount: Int64
    public var currency: String
    public var lines: [RefundDraft.Line]
    public var pointsClawedBack: Int64
    public var pointsForgiven: Int64
    public var createdAt: Date
}

/// The order row fields the points engine needs, read under the order's lock.
struct OrderForPoints: Sendable {
    var id: UUID
    var externalID: String
    var member: UUID
    var amount: Money
    var status: OrderStatus
    var paidAt: Date?
    var placedAt: Date
    var lines: [OrderLine]
    /// Its earn entry exists.
    var scored: Bool
    var hasRefunds: Bool
}
