import Foundation
import JifenCore
import PostgresNIO

// The wallets' periodic work, one job kind (`wallets.sweep`): installments due, holds expired,
// bonus expired, reminders of bonus about to expire.
extension TenantConnection {
    /// One batch of each part of the sweep at `now`; returns how many rows it changed in all (a
    /// batch that comes back short means the tenant has nothing more due).
    public func sweepWallets(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let paid = try await payDueWalletInstallments(now: now, limit: limit)
        let released = try await expireWalletHolds(now: now, limit: limit)
        let expired = try await expireWalletBonus(now: now, limit: limit)
        let reminded = try await remindWalletBonus(now: now, limit: limit)
        // Full batches only when one of the parts was full: then the job runs another round.
        return [paid, released, expired, reminded].max() ?? 0
    }

    /// Expires what remains of bonus lots past their date: an `expire` entry per lot.
    public func expireWalletBonus(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            SELECT id, member_id, currency FROM wallet_lots
            WHERE tenant_id = \(tenant.rawValue) AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit)
            """
        )
        var lots: [(UUID, UUID, String)] = []
        for try await row in rows.decode((UUID, UUID, String).self) { lots.append(row) }
        var expired = 0
        for (lot, memberID, currencyCode) in lots {
            let currency = try Currency(currencyCode)
            _ = try await lockMember(memberID)
            try await lockWallet(memberID, currency: currency)
            // Under the wallet's lock: a hold or a return cannot change the lot meanwhile.
            let taken = try await query(
                """
                WITH lot AS (SELECT remaining FROM wallet_lots
                             WHERE tenant_id = \(tenant.rawValue) AND id = \(lot) AND remaining > 0)
                UPDATE wallet_lots l SET expired = l.expired + lot.remaining, remaining = 0, expired_at = \(now)
                FROM lot WHERE l.tenant_id = \(tenant.rawValue) AND l.id = \(lot)
                RETURNING lot.remaining, l.part
                """
            )
            guard let (amount, part) = try await taken.decode((Int64, String).self).first(where: { _ in true }) else {
                continue
            }
            let isBonus = part == WalletPart.bonus.rawValue
            try await postWalletEntry(
                memberID,
                currency: currency,
                kind: "expire",
                principal: isBonus ? 0 : -amount,
                bonus: isBonus ? -amount : 0,
                key: "wallet-expire:\(lot.uuidString.lowercased()):\(now.timeIntervalSince1970)",
                sourceRef: lot.uuidString.lowercased(),
                description: "bonus expired",
                touches: [WalletTouch(lotID: lot, part: isBonus ? .bonus : .principal, amount: amount)],
                now: now
            )
            expired += 1
        }
        return expired
    }

    /// Records `wallet.bonus_expiring` once per bonus lot, `wallet.remind_days_before` days before
    /// it expires.
    public func remindWalletBonus(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let days = try await program().wallet.remindDaysBefore
        guard days > 0 else { return 0 }
        let rows = try await query(
            """
            UPDATE wallet_lots SET reminded_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND id IN (
                SELECT id FROM wallet_lots WHERE tenant_id = \(tenant.rawValue) AND remaining > 0
                  AND reminded_at IS NULL AND expires_at > \(now)
                  AND expires_at <= \(now) + make_interval(days => \(Int32(days)))
                ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING member_id, currency, remaining, expires_at
            """
        )
        var due: [(UUID, String, Int64, Date)] = []
        for try await row in rows.decode((UUID, String, Int64, Date).self) { due.append(row) }
        for (memberID, currency, remaining, expiresAt) in due {
            let member = try await lockMember(memberID)
            let wallet = try await lockWallet(memberID, currency: try Currency(currency))
            try await recordEvent(
                member,
                WalletEvent(.bonusExpiring, currency: currency, amount: remaining, wallet: wallet, expiresAt: expiresAt)
            )
        }
        return due.count
    }
}
