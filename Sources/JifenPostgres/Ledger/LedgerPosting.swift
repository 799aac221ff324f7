import Foundation
import JifenCore
import PostgresNIO

/// One change to a member's points as a unit: a ledger entry, and with it, as the change needs,
/// a new lot, the balance deltas, the event the shop is sent and the member's order statistics.
/// ``TenantConnection/post(_:member:)`` writes it in one prepared statement
/// (``ScoringStatements/Posting``) (one round trip where the parts
/// took four or five; issue 16), all or nothing. The caller holds the member's balance row.
struct LedgerPosting: Sendable {
    var entry: LedgerWrite
    /// A lot created by this change (its id is `entry.lot`).
    var lot: NewLot?
    var balance = BalanceChange()
    /// The event the shop is sent. Its `available` and `pending` are set by the statement, to
    /// the balance just after the change, whatever the caller put there.
    var event: PointsEvent?
    /// A newly scored order's share of the member's statistics.
    var growth: (delta: GrowthDelta, placedAt: Date)?

    struct NewLot: Sendable {
        var source: String
        var order: UUID?
        var points: Int64
        var pending: Bool
        var earnedAt: Date
        var availableAt: Date
        var expiresAt: Date?
        var programVersion: Int
    }

    struct BalanceChange: Sendable {
        var available: Int64 = 0
        var pending: Int64 = 0
        var earned: Int64 = 0
        var lastEarnedAt: Date?

        var isEmpty: Bool { available == 0 && pending == 0 && earned == 0 && lastEarnedAt == nil }
    }
}

extension TenantConnection {
    /// Writes `posting` in one statement; returns the balance after it when the balance changed.
    /// Throws if the entry's key is taken: the effects that go with the entry would be applied
    /// twice, so the transaction must roll back (as ``append(_:)``).
    @discardableResult
    func post(_ posting: LedgerPosting, member: MemberPoints) async throws -> BalanceAfter? {
        let entry = posting.entry
        let eventJSON = try posting.event.map {
            String(decoding: try JSONEncoder().encode(MemberEvent(member: member.externalID, event: $0)), as: UTF8.self)
        }
        let rows = try await run(
            ScoringStatements.Posting(tenant: tenant.rawValue, posting: posting, eventJSON: eventJSON)
        )
        guard let (appended, available, pending) = rows.first, appended == 1 else {
            throw entry.alreadyApplied
        }
        entry.countAwarded()
        guard let available, let pending else { return nil }
        return BalanceAfter(available: available, pending: pending)
    }
}
