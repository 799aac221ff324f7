import Foundation
import JifenCore

/// An order as stored.
public struct Order: Sendable, Hashable {
    public var id: UUID
    public var externalID: ExternalID
    public var member: ExternalID
    public var amount: Money
    public var status: OrderStatus
    public var placedAt: Date
    public var paidAt: Date?
    public var cancelledAt: Date?
    public var refundedAt: Date?
    public var lines: [OrderLine]
    public var createdAt: Date
    public var updatedAt: Date
    /// The coupons the order named when it was recorded (their codes).
    public var couponCodes: [String] = []
    /// The points hold it was paid with, if it named one.
    public var redemptionID: UUID? = nil
    /// The wallet hold it was paid with, if it named one.
    public var walletHoldID: UUID? = nil

    /// Anything beyond points that the order's status changes must carry along.
    var hasBenefits: Bool { !couponCodes.isEmpty || redemptionID != nil || walletHoldID != nil }

    var snapshot: OrderSnapshot { OrderSnapshot(member: member, amount: amount, status: status, lines: lines) }
}

/// What recording an order did: the API answers 201 only for ``created``.
public enum OrderRecording: Sendable, Hashable {
    case created
    case updated
    case unchanged
}
