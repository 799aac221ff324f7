import Foundation
import JifenCore

/// A member's points, as kept in `balances` beside the ledger.
public struct Balance: Sendable, Hashable {
    /// Spendable now.
    public var available: Int64
    /// Earned but not yet spendable (inside the return window).
    public var pending: Int64
    public var lifetimeEarned: Int64
    public var lifetimeRedeemed: Int64
    public var lifetimeExpired: Int64

    public static let zero = Balance(
        available: 0,
        pending: 0,
        lifetimeEarned: 0,
        lifetimeRedeemed: 0,
        lifetimeExpired: 0
    )

    public init(
        available: Int64,
        pending: Int64,
        lifetimeEarned: Int64,
        lifetimeRedeemed: Int64,
        lifetimeExpired: Int64
    ) {
        self.available = available
        self.pending = pending
        self.lifetimeEarned = lifetimeEarned
        self.lifetimeRedeemed = lifetimeRedeemed
        self.lifetimeExpired = lifetimeExpired
    }
}

/// One line of a member's ledger.
public struct LedgerEntry: Sendable, Hashable {
    public var id: UUID
    public var kind: String
    public var availableDelta: Int64
    public var pendingDelta: Int64
    /// The shop's id of the order the entry is about, if any.
    public var order: String?
    public var description: String?
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// What an order earned, for `GET /v1/orders/{order}`.
public struct OrderPoints: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Not scored (yet): not paid, or its job has not run.
        case unscored
        /// Scored; the points are not spendable yet.
        case pending
        /// Scored; the points are spendable.
        case available
        /// Scored, and the order earns nothing (too small).
        case none
    }

    public var earned: Int64
    public var state: State

    /// A new order, whose job has only just been queued.
    public static let unscored = OrderPoints(earned: 0, state: .unscored)
}

/// What scoring an order did.
public enum ScoreOutcome: Sendable, Hashable {
    case awarded(points: Int64)
    /// Scored before: a redelivered job, or a second job for the same order.
    case alreadyScored
    /// Only paid orders earn.
    case notEligible(OrderStatus)
    case orderMissing
}
