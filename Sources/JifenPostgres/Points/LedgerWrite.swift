import Foundation
import JifenCore

/// One ledger entry to append: what changed, why, and which lots it touched.
struct LedgerWrite: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case earn, release, hold, redeem, reverse, expire, adjust, settle
        case holdRelease = "hold_release"
    }

    enum Source: String, Sendable, CaseIterable {
        case order, refund, cancel, redemption, adjustment, activity, release, debt, expiry
        case checkIn = "check_in"
        case schedule
        case campaign
        case referral
        case journey
        /// Opening balances (`POST /v1/imports?kind=balances`), written set-based by the import.
        case `import`
    }

    var member: UUID
    /// When the change happened: the `now` of the operation that makes it (the wall clock in
    /// production, a moved clock in tests and imports). Reports date entries by it. Stored plus
    /// the time since the transaction began, so the entries of one operation keep their order
    /// (a hold, then its capture) in the ledger, which lists by this time.
    var at: Date
    var kind: Kind
    var source: Source
    var available: Int64 = 0
    var pending: Int64 = 0
    var key: String
    var lot: UUID? = nil
    var order: UUID? = nil
    var sourceRef: String? = nil
    var programVersion: Int? = nil
    var reason: String? = nil
    var actor: String? = nil
    var description: String? = nil
    var lots: [LotTouch] = []
}

extension LedgerWrite {
    /// The entry's key was taken: the effects that go with it would be applied twice, so the
    /// caller's transaction must roll back.
    var alreadyApplied: JifenError {
        JifenError(.internalError, "ledger entry '\(key)' exists already; nothing was applied twice")
    }

    /// Counts what an `earn` entry awarded, once it is written.
    func countAwarded() {
        if kind == .earn { PointsMetrics.awarded.increment(by: Int64(available + pending)) }
    }
}
