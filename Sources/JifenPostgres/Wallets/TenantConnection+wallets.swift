import Foundation
import JifenCore
import PostgresNIO

// The wallet's mechanics every operation shares: the locked wallet row, its lots, and the money
// ledger. Each change is one entry (deltas by part, the lots it touched) with an idempotency key,
// and the same deltas on the wallet row: the audit (LedgerAudit) checks the three agree.
extension TenantConnection {
    /// The member's wallet in `currency`, created empty if it has none, locked for the rest of the
    /// transaction. The caller holds the member's lock (lockMember) first.
    @discardableResult
    func lockWallet(_ member: UUID, currency: Currency) async throws -> (principal: Int64, bonus: Int64, held: Int64) {
        let rows = try await query(
            """
            INSERT INTO wallets AS w (tenant_id, member_id, currency) VALUES (\(tenant.rawValue), \(member), \(currency.code))
            ON CONFLICT (tenant_id, member_id, currency) DO UPDATE SET updated_at = w.updated_at
            RETURNING w.principal, w.bonus, w.held
            """
        )
        guard let values = try await rows.decode((Int64, Int64, Int64).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "wallet upsert returned no row")
        }
        return values
    }

    /// The wallet's lots with money left, as spending sees them.
    func openWalletLots(_ member: UUID, currency: Currency) async throws -> [WalletLotBalance] {
        let rows = try await query(
            """
            SELECT id, part, remaining, expires_at, created_at FROM wallet_lots
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member) AND currency = \(currency.code)
              AND remaining > 0
            """
        )
        var lots: [WalletLotBalance] = []
        for try await (id, part, remaining, expiresAt, createdAt) in rows.decode(
            (UUID, String, Int64, Date?, Date).self
        ) {
            lots.append(
                WalletLotBalance(
                    id: id,
                    part: WalletPart(rawValue: part) ?? .principal,
                    remaining: remaining,
                    expiresAt: expiresAt,
                    createdAt: createdAt
                )
            )
        }
        return lots
    }

    /// A new lot of `amount` in `part`.
    func addWalletLot(
        _ member: UUID,
        currency: Currency,
        part: WalletPart,
        amount: Int64,
        topUp: UUID?,
        installment: Int?,
        expiresAt: Date?,
        now: Date
    ) async throws -> UUID {
        let id = UUID()
        try await query(
            """
            INSERT INTO wallet_lots (tenant_id, id, member_id, currency, part, amount, remaining, top_up_id, installment,
                                     expires_at, created_at)
            VALUES (\(tenant.rawValue), \(id), \(member), \(currency.code), \(part.rawValue), \(amount), \(amount),
                    \(topUp), \(installment), \(expiresAt), \(now))
            """
        )
        return id
    }

    /// Takes the touches' amounts out of their lots (`sign` -1) or puts them back (+1).
    func moveWalletLots(_ touches: [WalletTouch], sign: Int64) async throws {
        guard !touches.isEmpty else { return }
        try await query(
            """
            UPDATE wallet_lots l SET remaining = l.remaining + t.delta
            FROM unnest(\(touches.map(\.lotID))::uuid[], \(touches.map { $0.amount * sign })::bigint[]) AS t(id, delta)
            WHERE l.tenant_id = \(tenant.rawValue) AND l.id = t.id
            """
        )
    }

    /// One ledger entry and the same deltas on the wallet row; returns the wallet after. A key
    /// already used means the change was made before: nothing is written twice (throws
    /// `LedgerWrite.alreadyApplied`'s conflict, which callers treat as "done").
    @discardableResult
    func postWalletEntry(
        _ member: UUID,
        currency: Currency,
        kind: String,
        principal: Int64 = 0,
        bonus: Int64 = 0,
        held: Int64 = 0,
        key: String,
        sourceRef: String? = nil,
        description: String? = nil,
        touches: [WalletTouch] = [],
        toppedUp: Int64 = 0,
        bonusPaid: Int64 = 0,
        spent: Int64 = 0,
        now: Date
    ) async throws -> (principal: Int64, bonus: Int64, held: Int64) {
        let touchesJSON = String(decoding: try JSONEncoder().encode(touches), as: UTF8.self)
        try await query(
            """
            INSERT INTO wallet_entries (tenant_id, member_id, currency, kind, principal_delta, bonus_delta, held_delta,
                                        idempotency_key, source_ref, description, touches, created_at)
            VALUES (\(tenant.rawValue), \(member), \(currency.code), \(kind), \(principal), \(bonus), \(held), \(key),
                    \(sourceRef), \(description), \(touchesJSON)::jsonb, \(now))
            """
        )
        let rows = try await query(
            """
            UPDATE wallets SET principal = principal + \(principal), bonus = bonus + \(bonus), held = held + \(held),
                               lifetime_topped_up = lifetime_topped_up + \(toppedUp),
                               lifetime_bonus = lifetime_bonus + \(bonusPaid),
                               lifetime_spent = lifetime_spent + \(spent), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member) AND currency = \(currency.code)
            RETURNING principal, bonus, held
            """
        )
        guard let values = try await rows.decode((Int64, Int64, Int64).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "wallet of member \(member) in \(currency) vanished")
        }
        return values
    }

    /// The member's wallets, with the installments still to come.
    public func wallets(member externalID: ExternalID) async throws -> [WalletBalance]? {
        guard let member = try await member(externalID) else { return nil }
        let rows = try await query(
            """
            SELECT currency, principal, bonus, held, lifetime_topped_up, lifetime_bonus, lifetime_spent FROM wallets
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id) ORDER BY currency
            """
        )
        var wallets: [WalletBalance] = []
        for try await (currency, principal, bonus, held, toppedUp, bonusPaid, spent) in rows.decode(
            (String, Int64, Int64, Int64, Int64, Int64, Int64).self
        ) {
            wallets.append(
                WalletBalance(
                    member: externalID.rawValue,
                    currency: try Currency(currency),
                    principal: principal,
                    bonus: bonus,
                    held: held,
                    lifetimeToppedUp: toppedUp,
                    lifetimeBonus: bonusPaid,
                    lifetimeSpent: spent,
                    upcoming: []
                )
            )
        }
        let upcoming = try await query(
            """
            SELECT t.currency, i.top_up_id, i.number, i.due_at, i.amount FROM wallet_installments i
            JOIN wallet_top_ups t ON t.tenant_id = i.tenant_id AND t.id = i.top_up_id
            WHERE i.tenant_id = \(tenant.rawValue) AND t.member_id = \(member.id)
              AND i.paid_at IS NULL AND i.cancelled_at IS NULL
            ORDER BY i.due_at, i.number
            """
        )
        for try await (currency, topUp, number, dueAt, amount) in upcoming.decode((String, UUID, Int, Date, Int64).self)
        {
            guard let index = wallets.firstIndex(where: { $0.currency.code == currency }) else { continue }
            wallets[index].upcoming.append(
                WalletInstallment(topUp: topUp, number: number, dueAt: dueAt, amount: amount, state: .upcoming)
            )
        }
        return wallets
    }

    /// The member's money ledger, newest first.
    public func walletEntries(member externalID: ExternalID, limit: PageLimit, after cursor: PageCursor?) async throws
        -> Page<WalletEntry>?
    {
        guard let member = try await member(externalID) else { return nil }
        let rows = try await query(
            """
            SELECT e.id, e.currency, e.kind, e.principal_delta, e.bonus_delta, e.held_delta, e.source_ref,
                   e.description, e.touches::text, e.created_at, (extract(epoch FROM e.created_at) * 1000000)::bigint
            FROM wallet_entries e
            WHERE e.tenant_id = \(tenant.rawValue) AND e.member_id = \(member.id) AND \(after: cursor, on: "e")
            ORDER BY e.created_at DESC, e.id DESC LIMIT \(limit.value + 1)
            """
        )
        var entries: [WalletEntry] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            entries.append(
                WalletEntry(
                    id: try c.value(0, UUID.self),
                    currency: try Currency(try c.value(1, String.self)),
                    kind: try c.value(2, String.self),
                    principalDelta: try c.value(3, Int64.self),
                    bonusDelta: try c.value(4, Int64.self),
                    heldDelta: try c.value(5, Int64.self),
                    sourceRef: try c.value(6, String?.self),
                    description: try c.value(7, String?.self),
                    touches: try JSONDecoder().decode([WalletTouch].self, from: Data(try c.value(8, String.self).utf8)),
                    createdAt: try c.value(9, Date.self),
                    createdAtMicros: try c.value(10, Int64.self)
                )
            )
        }
        return Page.slicing(entries, limit: limit) { $0.cursor }
    }
}
