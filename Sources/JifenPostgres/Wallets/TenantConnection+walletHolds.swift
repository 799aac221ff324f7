import Foundation
import JifenCore
import PostgresNIO

// Spending from the wallet: a hold takes money from the lots in the program's spending order,
// a capture makes it spent, a release (or the hold's expiry) gives it back; an order's refund
// gives back the wallet's share of what the order was paid with.
extension TenantConnection {
    /// Holds `amount` of the member's wallet in `currency`. Throws `insufficient-funds` (422) when
    /// the wallet cannot cover it; under the member's lock, so concurrent holds never overdraw.
    public func placeWalletHold(
        member externalID: ExternalID,
        currency: Currency,
        amount: Int64,
        orderReference: String?,
        now: Date = Date()
    ) async throws -> WalletHold? {
        guard let record = try await member(externalID) else { return nil }
        let program = try await program()
        _ = try await lockMember(record.id)
        try await lockWallet(record.id, currency: currency)
        let lots = try await openWalletLots(record.id, currency: currency)
        let touches = try WalletSpend.allocate(amount, from: lots, order: program.wallet.spendingOrder, now: now)
        try await moveWalletLots(touches, sign: -1)
        let id = UUID()
        let touchesJSON = String(decoding: try JSONEncoder().encode(touches), as: UTF8.self)
        let expiresAt = program.redemption.holdExpiry(from: now)
        try await query(
            """
            INSERT INTO wallet_holds (tenant_id, id, member_id, currency, amount, order_reference, state, touches,
                                      expires_at, created_at)
            VALUES (\(tenant.rawValue), \(id), \(record.id), \(currency.code), \(amount), \(orderReference), 'held',
                    \(touchesJSON)::jsonb, \(expiresAt), \(now))
            """
        )
        let principal = touches.filter { $0.part == .principal }.reduce(Int64(0)) { $0 + $1.amount }
        try await postWalletEntry(
            record.id,
            currency: currency,
            kind: "hold",
            principal: -principal,
            bonus: -(amount - principal),
            held: amount,
            key: "wallet-hold:\(id.uuidString.lowercased())",
            sourceRef: id.uuidString.lowercased(),
            description: orderReference.map { "hold for \($0)" },
            touches: touches,
            now: now
        )
        return try await walletHold(id)
    }

    /// Makes a hold final: the money is spent (`wallet.spent`). Capturing again returns it
    /// unchanged; a released or expired hold cannot be captured.
    public func captureWalletHold(_ id: UUID, now: Date = Date()) async throws -> WalletHold? {
        guard let (hold, member) = try await lockWalletHold(id) else { return nil }
        switch hold.state {
        case .captured: return hold
        case .released, .expired:
            throw JifenError.conflict("wallet hold \(id.uuidString.lowercased()) was \(hold.state.rawValue)")
        case .held:
            guard hold.expiresAt > now else {
                try await returnWalletHold(hold, member: member.id, as: .expired, now: now)
                throw JifenError.conflict(
                    "wallet hold \(id.uuidString.lowercased()) expired at \(hold.expiresAt.formatted(.iso8601))"
                )
            }
        }
        try await query(
            """
            UPDATE wallet_holds SET state = 'captured', captured_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        let wallet = try await postWalletEntry(
            member.id,
            currency: hold.currency,
            kind: "capture",
            held: -hold.amount,
            key: "wallet-capture:\(id.uuidString.lowercased())",
            sourceRef: id.uuidString.lowercased(),
            description: hold.orderReference.map { "spent on \($0)" },
            touches: hold.touches,
            spent: hold.amount,
            now: now
        )
        try await recordEvent(
            member,
            WalletEvent(
                .spent,
                currency: hold.currency.code,
                amount: hold.amount,
                wallet: wallet,
                hold: id,
                orderReference: hold.orderReference,
                fromPrincipal: hold.fromPrincipal,
                fromBonus: hold.fromBonus
            )
        )
        return try await walletHold(id)
    }

    /// Gives a hold's money back to its lots. Releasing again returns it unchanged; a captured
    /// hold cannot be released (refund the order instead).
    public func releaseWalletHold(_ id: UUID, now: Date = Date()) async throws -> WalletHold? {
        guard let (hold, member) = try await lockWalletHold(id) else { return nil }
        switch hold.state {
        case .released, .expired: return hold
        case .captured:
            throw JifenError.conflict("wallet hold \(id.uuidString.lowercased()) was captured: the money is spent")
        case .held: try await returnWalletHold(hold, member: member.id, as: .released, now: now)
        }
        return try await walletHold(id)
    }

    /// Releases the tenant's holds that expired by `now`; returns how many.
    public func expireWalletHolds(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            SELECT id FROM wallet_holds WHERE tenant_id = \(tenant.rawValue) AND state = 'held' AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit)
            """
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        var expired = 0
        for id in ids {
            guard let (hold, member) = try await lockWalletHold(id), hold.state == .held else { continue }
            try await returnWalletHold(hold, member: member.id, as: .expired, now: now)
            expired += 1
        }
        return expired
    }

    private func returnWalletHold(_ hold: WalletHold, member: UUID, as state: WalletHold.State, now: Date) async throws
    {
        try await query(
            """
            UPDATE wallet_holds SET state = \(state.rawValue), released_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(hold.id)
            """
        )
        // Back to the lots it came from; bonus whose lot expired meanwhile expires at the next sweep.
        try await moveWalletLots(hold.touches, sign: 1)
        try await postWalletEntry(
            member,
            currency: hold.currency,
            kind: "release",
            principal: hold.fromPrincipal,
            bonus: hold.fromBonus,
            held: -hold.amount,
            key: "wallet-release:\(hold.id.uuidString.lowercased())",
            sourceRef: hold.id.uuidString.lowercased(),
            description: state == .expired ? "hold expired" : "hold released",
            touches: hold.touches,
            now: now
        )
    }

    /// Gives `amount` of a captured hold back to the lots and parts it came from (an order it paid
    /// was refunded), the last spent first. `key` makes it happen once per refund.
    func returnToWallet(_ holdID: UUID, amount: Int64, key: String, orderReference: String?, now: Date) async throws {
        guard amount > 0, let (hold, member) = try await lockWalletHold(holdID), hold.state == .captured else { return }
        let earlier = try await query(
            """
            SELECT touches::text FROM wallet_entries
            WHERE tenant_id = \(tenant.rawValue) AND kind = 'return' AND source_ref = \(holdID.uuidString.lowercased())
            """
        )
        var returned: [WalletTouch] = []
        for try await text in earlier.decode(String.self) {
            returned += try JSONDecoder().decode([WalletTouch].self, from: Data(text.utf8))
        }
        let give = min(amount, hold.amount - hold.returned)
        guard give > 0 else { return }
        let touches = try WalletReturn.allocate(give, captured: hold.touches, alreadyReturned: returned)
        try await moveWalletLots(touches, sign: 1)
        let principal = touches.filter { $0.part == .principal }.reduce(Int64(0)) { $0 + $1.amount }
        let wallet = try await postWalletEntry(
            member.id,
            currency: hold.currency,
            kind: "return",
            principal: principal,
            bonus: give - principal,
            key: key,
            sourceRef: holdID.uuidString.lowercased(),
            description: orderReference.map { "refund of \($0)" },
            touches: touches,
            spent: -give,
            now: now
        )
        try await query(
            """
            UPDATE wallet_holds SET returned = returned + \(give) WHERE tenant_id = \(tenant.rawValue) AND id = \(holdID)
            """
        )
        try await recordEvent(
            member,
            WalletEvent(
                .refunded,
                currency: hold.currency.code,
                amount: give,
                wallet: wallet,
                hold: holdID,
                orderReference: orderReference,
                fromPrincipal: principal,
                fromBonus: give - principal,
                source: "order"
            )
        )
    }

    /// Locks the hold's member, wallet and the hold (the lock order), and reads it.
    private func lockWalletHold(_ id: UUID) async throws -> (WalletHold, MemberPoints)? {
        guard let hold = try await walletHold(id), let memberID = try await walletHoldMember(id) else { return nil }
        let member = try await lockMember(memberID)
        try await lockWallet(memberID, currency: hold.currency)
        try await query("SELECT 1 FROM wallet_holds WHERE tenant_id = \(tenant.rawValue) AND id = \(id) FOR UPDATE")
        guard let current = try await walletHold(id) else { return nil }
        return (current, member)
    }

    private func walletHoldMember(_ id: UUID) async throws -> UUID? {
        let rows = try await query(
            "SELECT member_id FROM wallet_holds WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        return try await rows.decode(UUID.self).first(where: { _ in true })
    }

    public func walletHold(_ id: UUID) async throws -> WalletHold? {
        let rows = try await query(
            """
            SELECT h.id, m.external_id, h.currency, h.amount, h.order_reference, h.state, h.touches::text, h.returned,
                   h.expires_at, h.captured_at, h.released_at, h.created_at
            FROM wallet_holds h JOIN members m ON m.tenant_id = h.tenant_id AND m.id = h.member_id
            WHERE h.tenant_id = \(tenant.rawValue) AND h.id = \(id)
            """
        )
        guard let row = try await rows.first(where: { _ in true }) else { return nil }
        let c = row.makeRandomAccess()
        return WalletHold(
            id: try c.value(0, UUID.self),
            member: try c.value(1, String.self),
            currency: try Currency(try c.value(2, String.self)),
            amount: try c.value(3, Int64.self),
            orderReference: try c.value(4, String?.self),
            state: WalletHold.State(rawValue: try c.value(5, String.self)) ?? .held,
            touches: try JSONDecoder().decode([WalletTouch].self, from: Data(try c.value(6, String.self).utf8)),
            returned: try c.value(7, Int64.self),
            expiresAt: try c.value(8, Date.self),
            capturedAt: try c.value(9, Date?.self),
            releasedAt: try c.value(10, Date?.self),
            createdAt: try c.value(11, Date.self)
        )
    }
}
