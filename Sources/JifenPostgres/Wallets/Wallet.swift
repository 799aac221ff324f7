import Foundation
import JifenCore

/// A member's wallet in one currency.
public struct WalletBalance: Sendable, Hashable {
    public var member: String
    public var currency: Currency
    /// Spendable now, by part.
    public var principal: Int64
    public var bonus: Int64
    /// Taken by open holds.
    public var held: Int64
    public var lifetimeToppedUp: Int64
    public var lifetimeBonus: Int64
    public var lifetimeSpent: Int64
    /// Installments of bonus not paid yet, soonest first.
    public var upcoming: [WalletInstallment]
}

/// One installment of a top-up's bonus.
public struct WalletInstallment: Sendable, Hashable {
    public enum State: String, Sendable { case upcoming, paid, cancelled }
    public var topUp: UUID
    public var number: Int
    public var dueAt: Date
    public var amount: Int64
    public var state: State
    public var paidAt: Date?
}

/// A top-up as recorded, with its offer and installments.
public struct WalletTopUp: Sendable, Hashable {
    public enum State: String, Sendable { case active, refunded }
    public var id: UUID
    public var member: String
    public var currency: Currency
    public var externalID: String
    public var amount: Int64
    public var offer: TopUpOffer?
    public var bonusTotal: Int64
    public var state: State
    public var installments: [WalletInstallment]
    public var refund: TopUpRefundDecision?
    public var refundPolicy: TopUpRefundPolicy?
    public var refundedAt: Date?
    public var createdAt: Date
}

/// Money held for a purchase: captured (spent) or released.
public struct WalletHold: Sendable, Hashable {
    public enum State: String, Sendable { case held, captured, released, expired }
    public var id: UUID
    public var member: String
    public var currency: Currency
    public var amount: Int64
    public var orderReference: String?
    public var state: State
    public var touches: [WalletTouch]
    public var returned: Int64
    public var expiresAt: Date
    public var capturedAt: Date?
    public var releasedAt: Date?
    public var createdAt: Date

    public var fromPrincipal: Int64 { touches.filter { $0.part == .principal }.reduce(0) { $0 + $1.amount } }
    public var fromBonus: Int64 { touches.filter { $0.part == .bonus }.reduce(0) { $0 + $1.amount } }
}

/// One entry of the money ledger.
public struct WalletEntry: Sendable, Hashable {
    public var id: UUID
    public var currency: Currency
    public var kind: String
    public var principalDelta: Int64
    public var bonusDelta: Int64
    public var heldDelta: Int64
    public var sourceRef: String?
    public var description: String?
    public var touches: [WalletTouch]
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}
