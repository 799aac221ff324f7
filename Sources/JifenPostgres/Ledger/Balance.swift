import Foundation
import JifenCore

/// A member's points, as kept in `balances` beside the ledger.
public struct Balance: Sendable, Hashable {
    /// Spendable now.
    public var available: Int64
    /// Earned but not yet spendable (inside the return window).
    public var pending: Int64
    /// Set aside by redemptions not yet captured or released.
    public var held: Int64
    public var lifetimeEarned: Int64
    public var lifetimeRedeemed: Int64
    public var lifetimeExpired: Int64
    public var lifetimeReversed: Int64

    public static let zero = Balance(
        available: 0,
        pending: 0,
        held: 0,
        lifetimeEarned: 0,
        lifetimeRedeemed: 0,
        lifetimeExpired: 0,
        lifetimeReversed: 0
    )

    public init(
        available: Int64,
        pending: Int64,
        held: Int64,
        lifetimeEarned: Int64,
        lifetimeRedeemed: Int64,
        lifetimeExpired: Int64,
        lifetimeReversed: Int64
    ) {
        self.available = available
        self.pending = pending
        self.held = held
        self.lifetimeEarned = lifetimeEarned
        self.lifetimeRedeemed = lifetimeRedeemed
        self.lifetimeExpired = lifetimeExpired
        self.lifetimeReversed = lifetimeReversed
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
    /// What caused it: `order`, `refund`, `cancel`, `redemption`, `adjustment`, `activity`,
    /// `release`, `debt`.
    public var source: String
    /// The shop's or Jifen's id of that cause (refund id, redemption id, activity type:id).
    public var sourceRef: String?
    /// The program version the entry applied, if it applied rules.
    public var programVersion: Int?
    public var reason: String?
    public var actor: String?
    public var lots: [LotTouch]

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// Filters for a member's ledger.
public struct LedgerFilter: Sendable, Hashable {
    public var kind: String?
    public var since: Date?
    public var until: Date?

    public init(kind: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.kind = kind
        self.since = since
        self.until = until
    }
}

/// A lot: the points of one earning, spent and expired first to expire first.
public struct Lot: Sendable, Hashable {
    public var id: UUID
    public var source: String
    public var order: String?
    public var points: Int64
    public var remaining: Int64
    public var state: String
    public var earnedAt: Date
    public var availableAt: Date
    public var expiresAt: Date?
    public var programVersion: Int
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
        /// Scored, and the order earns nothing (too small, capped, another currency).
        case none
        /// Everything it earned was taken back (cancelled or fully refunded).
        case reversed
    }

    public var earned: Int64
    public var clawedBack: Int64
    public var state: State
    public var programVersion: Int?

    public init(earned: Int64, clawedBack: Int64 = 0, state: State, programVersion: Int? = nil) {
        self.earned = earned
        self.clawedBack = clawedBack
        self.state = state
        self.programVersion = programVersion
    }

    /// A new order, whose job has only just been queued.
    public static let unscored = OrderPoints(earned: 0, state: .unscored)
}
