import Foundation

/// Points set aside for a purchase: held until the shop captures (spends) or releases them,
/// or the hold expires.
public struct Redemption: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case held, captured, released, expired
    }

    public var id: UUID
    public var member: String
    public var points: Int64
    /// What the points are worth, in minor units of `currency` (the program's, if it has one).
    public var value: Int64
    public var currency: String?
    public var orderReference: String?
    public var state: State
    public var programVersion: Int
    public var expiresAt: Date
    public var createdAt: Date
    public var capturedAt: Date?
    public var releasedAt: Date?
    /// The lots the points were taken from, first to expire first.
    public var lots: [LotTouch]
}

/// A redemption request, validated by the API.
public struct RedemptionRequest: Sendable, Hashable {
    public var points: Int64
    public var orderReference: String?
    /// The order's total in minor units, when the shop wants the share limit checked.
    public var orderTotal: Int64?

    public init(points: Int64, orderReference: String? = nil, orderTotal: Int64? = nil) {
        self.points = points
        self.orderReference = orderReference
        self.orderTotal = orderTotal
    }
}
