import Foundation
import JifenCore
import PostgresNIO

// Top-ups: principal in at once, the best matching offer's bonus paid at once or in
// installments by the workers (each exactly once), and the refund of a top-up.
extension TenantConnection {
    /// Records a top-up, idempotently by the shop's payment id: the same id again returns the
    /// first top-up (`created` false); with another member, currency or amount it is a conflict.
    public func topUp(
        member externalID: ExternalID,
        currency: Currency,
        amount: Int64,
        paymentID: ExternalID,
        now: Date = Date()
    ) async throws -> (topUp: WalletTopUp, created: Bool) {
        let memberID = try await ensureMember(externalID, now: now)
        if let existing = try await topUp(paymentID: paymentID) {
            guard existing.member == externalID.rawValue, existing.currency == currency, existing.amount == amount
            else {
                throw JifenError.conflict("payment '\(paymentID)' was recorded as another top-up")
            }
            return (existing, false)
        }
        let program = try await program()
        let member = try await lockMember(memberID)
        try await lockWallet(memberID, currency: currency)
        // Offers are in the program's currency; a program without one offers in every currency.
        let offer =
            program.currency == nil || program.currency == currency ? program.wallet.bestOffer(for: amount) : nil
        let id = UUID()
        let offerJSON = try offer.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let inserted = try await query(
            """
            INSERT INTO wallet_top_ups (tenant_id, id, member_id, currency, external_id, amount, offer, bonus_total,
                                        created_at)
            VALUES (\(tenant.rawValue), \(id), \(memberID), \(currency.code), \(paymentID.rawValue), \(amount),
                    \(offerJSON)::jsonb, \(offer?.bonus ?? 0), \(now))
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            RETURNING 1
            """
        )
        guard try await inserted.decode(Int.self).first(where: { _ in true }) != nil else {
            // A concurrent request with the same payment id won; it has committed by now.
            guard let existing = try await topUp(paymentID: paymentID) else {
                throw JifenError(.internalError, "top-up '\(paymentID)' vanished after a conflict")
            }
            return (existing, false)
        }
        let lot = try await addWalletLot(
            memberID,
            currency: currency,
            part: .principal,
            amount: amount,
            topUp: id,
            installment: nil,
            expiresAt: nil,
            now: now
        )
        let wallet = try await postWalletEntry(
            memberID,
            currency: currency,
            kind: "top_up",
            principal: amount,
            key: "wallet-top-up:\(id.uuidString.lowercased())",
            sourceRef: paymentID.rawValue,
            description: "top-up \(paymentID)",
            touches: [WalletTouch(lotID: lot, part: .principal, amount: amount)],
            toppedUp: amount,
            now: now
        )
        if let offer {
            let plan = offer.plan(paidAt: now, in: program.zone)
            try await query(
                """
                INSERT INTO wallet_installments (tenant_id, top_up_id, number, due_at, amount)
                SELECT \(tenant.rawValue), \(id), * FROM unnest(\(plan.map(\.number))::int[],
                                                                \(plan.map(\.dueAt))::timestamptz[],
                                                                \(plan.map(\.amount))::bigint[])
                """
            )
        }
        try await recordEvent(
            member,
            WalletEvent(
                .toppedUp,
                currency: currency.code,
                amount: amount,
                wallet: wallet,
                topUp: id,
                externalID: paymentID.rawValue,
                offer: offer?.code
            )
        )
        // The first installment is due now.
        _ = try await payDueWalletInstallments(now: now, topUp: id)
        guard let recorded = try await topUp(id: id) else {
            throw JifenError(.internalError, "top-up \(id) vanished in its own transaction")
        }
        return (recorded, true)
    }

    /// Pays installments due at `now` (of one top-up, or all), at most `limit`; returns how many.
    /// Each is claimed by an UPDATE that requires it unpaid, so two workers pay it once, and the
    /// ledger key backs that up. A worker killed midway loses its open transaction only.
    public func payDueWalletInstallments(now: Date = Date(), limit: Int = 500, topUp only: UUID? = nil) async throws
        -> Int
    {
        let due = try await query(
            """
            SELECT i.top_up_id, i.number, t.member_id FROM wallet_installments i
            JOIN wallet_top_ups t ON t.tenant_id = i.tenant_id AND t.id = i.top_up_id
            WHERE i.tenant_id = \(tenant.rawValue) AND i.paid_at IS NULL AND i.cancelled_at IS NULL
              AND i.due_at <= \(now) AND t.state = 'active' AND (\(only == nil) OR t.id = \(only ?? UUID()))
            ORDER BY i.due_at LIMIT \(limit)
            """
        )
        var installments: [(UUID, Int, UUID)] = []
        for try await row in due.decode((UUID, Int, UUID).self) { installments.append(row) }
        var paid = 0
        for (topUpID, number, memberID) in installments {
            let member = try await lockMember(memberID)
            let claimed = try await query(
                """
                UPDATE wallet_installments i SET paid_at = \(now)
                FROM wallet_top_ups t
                WHERE i.tenant_id = \(tenant.rawValue) AND i.top_up_id = \(topUpID) AND i.number = \(number)
                  AND i.paid_at IS NULL AND i.cancelled_at IS NULL
                  AND t.tenant_id = i.tenant_id AND t.id = i.top_up_id AND t.state = 'active'
                RETURNING i.amount, i.due_at, t.currency, t.offer::text,
                          (SELECT count(*) FROM wallet_installments a WHERE a.tenant_id = i.tenant_id
                                                                        AND a.top_up_id = i.top_up_id)::int
                """
            )
            guard
                let (amount, dueAt, currencyCode, offerJSON, count) = try await claimed.decode(
                    (Int64, Date, String, String?, Int).self
                ).first(where: { _ in true })
            else { continue }
            let currency = try Currency(currencyCode)
            let offer = try offerJSON.map { try JSONDecoder().decode(TopUpOffer.self, from: Data($0.utf8)) }
            try await lockWallet(memberID, currency: currency)
            // Dated when it was due: a late sweep does not stretch its expiry.
            let expiresAt = offer?.bonusExpiresDays.map { dueAt.addingTimeInterval(TimeInterval($0) * 86_400) }
            let lot = try await addWalletLot(
                memberID,
                currency: currency,
                part: .bonus,
                amount: amount,
                topUp: topUpID,
                installment: number,
                expiresAt: expiresAt,
                now: now
            )
            try await query(
                """
                UPDATE wallet_installments SET lot_id = \(lot)
                WHERE tenant_id = \(tenant.rawValue) AND top_up_id = \(topUpID) AND number = \(number)
                """
            )
            let ref = "\(topUpID.uuidString.lowercased()):\(number)"
            let wallet = try await postWalletEntry(
                memberID,
                currency: currency,
                kind: "bonus",
                bonus: amount,
                key: "wallet-installment:\(ref)",
                sourceRef: ref,
                description: "bonus installment \(number) of \(count)",
                touches: [WalletTouch(lotID: lot, part: .bonus, amount: amount)],
                bonusPaid: amount,
                now: now
            )
            try await recordEvent(
                member,
                WalletEvent(
                    .bonusPaid,
                    currency: currency.code,
                    amount: amount,
                    wallet: wallet,
                    topUp: topUpID,
                    offer: offer?.code,
                    installment: Int64(number),
                    installments: Int64(count),
                    expiresAt: expiresAt
                )
            )
            paid += 1
        }
        return paid
    }

    /// Refunds a top-up: its unspent principal leaves the wallet and is paid back (less the bonus
    /// already spent, under the program's `deduct_spent_bonus`), its unspent bonus leaves the
    /// wallet, its unpaid installments are cancelled. Refunding again returns the first answer.
    /// While a hold of the wallet is open the refund is a conflict: the held money may come back.
    public func refundTopUp(_ id: UUID, now: Date = Date()) async throws -> WalletTopUp? {
        guard let existing = try await topUp(id: id) else { return nil }
        if existing.state == .refunded { return existing }
        guard let memberID = try await memberID(topUp: id) else { return nil }
        let member = try await lockMember(memberID)
        try await lockWallet(memberID, currency: existing.currency)
        let open = try await query(
            """
            SELECT count(*)::int FROM wallet_holds
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(memberID) AND currency = \(existing.currency.code)
              AND state = 'held'
            """
        )
        if let count = try await open.decode(Int.self).first(where: { _ in true }), count > 0 {
            throw JifenError.conflict("the wallet has \(count) open holds: capture or release them first")
        }
        let locked = try await query(
            """
            SELECT state FROM wallet_top_ups WHERE tenant_id = \(tenant.rawValue) AND id = \(id) FOR UPDATE
            """
        )
        guard try await locked.decode(String.self).first(where: { _ in true }) == "active" else {
            return try await topUp(id: id)
        }
        let lots = try await query(
            """
            SELECT id, part, amount, remaining, expired FROM wallet_lots
            WHERE tenant_id = \(tenant.rawValue) AND top_up_id = \(id)
            """
        )
        var touches: [WalletTouch] = []
        var principalPaid: Int64 = 0
        var principalUnspent: Int64 = 0
        var bonusPaid: Int64 = 0
        var bonusUnspent: Int64 = 0
        var bonusSpent: Int64 = 0
        for try await (lot, part, amount, remaining, expired) in lots.decode((UUID, String, Int64, Int64, Int64).self) {
            let part = WalletPart(rawValue: part) ?? .principal
            if remaining > 0 { touches.append(WalletTouch(lotID: lot, part: part, amount: remaining)) }
            switch part {
            case .principal:
                principalPaid += amount
                principalUnspent += remaining
            case .bonus:
                bonusPaid += amount
                bonusUnspent += remaining
                bonusSpent += amount - remaining - expired
            }
        }
        let policy = try await program().wallet.refundPolicy
        let decision = TopUpRefund.decide(
            principalPaid: principalPaid,
            principalUnspent: principalUnspent,
            bonusPaid: bonusPaid,
            bonusSpent: bonusSpent,
            bonusUnspent: bonusUnspent,
            policy: policy
        )
        try await moveWalletLots(touches, sign: -1)
        let wallet = try await postWalletEntry(
            memberID,
            currency: existing.currency,
            kind: "refund",
            principal: -decision.principalRemoved,
            bonus: -decision.bonusRemoved,
            key: "wallet-refund:\(id.uuidString.lowercased())",
            sourceRef: existing.externalID,
            description: "refund of top-up \(existing.externalID): \(decision.returnedToMember) paid back",
            touches: touches,
            now: now
        )
        try await query(
            """
            UPDATE wallet_installments SET cancelled_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND top_up_id = \(id) AND paid_at IS NULL AND cancelled_at IS NULL
            """
        )
        let refund = String(decoding: try JSONEncoder().encode(RefundRecord(decision, policy: policy)), as: UTF8.self)
        try await query(
            """
            UPDATE wallet_top_ups SET state = 'refunded', refunded_at = \(now), refund = \(refund)::jsonb
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        try await recordEvent(
            member,
            WalletEvent(
                .refunded,
                currency: existing.currency.code,
                amount: decision.returnedToMember,
                wallet: wallet,
                topUp: id,
                externalID: existing.externalID,
                fromPrincipal: decision.principalRemoved,
                fromBonus: decision.bonusRemoved,
                source: "top_up"
            )
        )
        return try await topUp(id: id)
    }

    /// The refund's decision and policy as stored with the top-up.
    struct RefundRecord: Codable {
        var returnedToMember: Int64
        var principalRemoved: Int64
        var bonusRemoved: Int64
        var spentBonusDeducted: Int64
        var spentBonusForgiven: Int64
        var policy: TopUpRefundPolicy

        init(_ decision: TopUpRefundDecision, policy: TopUpRefundPolicy) {
            returnedToMember = decision.returnedToMember
            principalRemoved = decision.principalRemoved
            bonusRemoved = decision.bonusRemoved
            spentBonusDeducted = decision.spentBonusDeducted
            spentBonusForgiven = decision.spentBonusForgiven
            self.policy = policy
        }

        var decision: TopUpRefundDecision {
            TopUpRefundDecision(
                returnedToMember: returnedToMember,
                principalRemoved: principalRemoved,
                bonusRemoved: bonusRemoved,
                spentBonusDeducted: spentBonusDeducted,
                spentBonusForgiven: spentBonusForgiven
            )
        }
    }

    private func memberID(topUp id: UUID) async throws -> UUID? {
        let rows = try await query(
            "SELECT member_id FROM wallet_top_ups WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        return try await rows.decode(UUID.self).first(where: { _ in true })
    }

    func topUp(paymentID: ExternalID) async throws -> WalletTopUp? {
        let rows = try await query(
            "SELECT id FROM wallet_top_ups WHERE tenant_id = \(tenant.rawValue) AND external_id = \(paymentID.rawValue)"
        )
        guard let id = try await rows.decode(UUID.self).first(where: { _ in true }) else { return nil }
        return try await topUp(id: id)
    }

    public func topUp(id: UUID) async throws -> WalletTopUp? {
        let rows = try await query(
            """
            SELECT t.id, m.external_id, t.currency, t.external_id, t.amount, t.offer::text, t.bonus_total, t.state,
                   t.refund::text, t.refunded_at, t.created_at
            FROM wallet_top_ups t JOIN members m ON m.tenant_id = t.tenant_id AND m.id = t.member_id
            WHERE t.tenant_id = \(tenant.rawValue) AND t.id = \(id)
            """
        )
        guard let row = try await rows.first(where: { _ in true }) else { return nil }
        let c = row.makeRandomAccess()
        let refund = try c.value(8, String?.self).map {
            try JSONDecoder().decode(RefundRecord.self, from: Data($0.utf8))
        }
        var topUp = WalletTopUp(
            id: try c.value(0, UUID.self),
            member: try c.value(1, String.self),
            currency: try Currency(try c.value(2, String.self)),
            externalID: try c.value(3, String.self),
            amount: try c.value(4, Int64.self),
            offer: try c.value(5, String?.self).map { try JSONDecoder().decode(TopUpOffer.self, from: Data($0.utf8)) },
            bonusTotal: try c.value(6, Int64.self),
            state: WalletTopUp.State(rawValue: try c.value(7, String.self)) ?? .active,
            installments: [],
            refund: refund?.decision,
            refundPolicy: refund?.policy,
            refundedAt: try c.value(9, Date?.self),
            createdAt: try c.value(10, Date.self)
        )
        let installments = try await query(
            """
            SELECT number, due_at, amount, paid_at, cancelled_at FROM wallet_installments
            WHERE tenant_id = \(tenant.rawValue) AND top_up_id = \(id) ORDER BY number
            """
        )
        for try await (number, dueAt, amount, paidAt, cancelledAt) in installments.decode(
            (Int, Date, Int64, Date?, Date?).self
        ) {
            topUp.installments.append(
                WalletInstallment(
                    topUp: id,
                    number: number,
                    dueAt: dueAt,
                    amount: amount,
                    state: paidAt != nil ? .paid : cancelledAt != nil ? .cancelled : .upcoming,
                    paidAt: paidAt
                )
            )
        }
        return topUp
    }
}
