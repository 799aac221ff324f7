import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Brings an order's points in line with its state, idempotently: scores it if it is paid
    /// and unscored, applies refunds not yet applied, and takes back what is left when it was
    /// cancelled or fully refunded. The worker's `order.score` job and the refund and cancel
    /// endpoints all call this, so whichever runs first does the work and the others find it
    /// done.
    public func settleOrder(_ orderID: UUID, now: Date = Date()) async throws -> OrderSettlement? {
        guard let facts = try await lockOrderForPoints(orderID) else { return nil }
        let (order, member) = (facts.order, facts.member)
        let plan = SettlementPlan.plan(status: order.status, scored: order.scored, hasRefunds: order.hasRefunds)
        if plan.cancelSchedules {
            try await cancelSchedules(sourceReference: order.externalID, now: now)
        }
        var settlement = OrderSettlement()
        // The current version, from this process's cache unless it is new to it.
        let current = try await cachedProgram(version: facts.programVersion)
        if plan.award {
            settlement.award = try await award(order, member: member, tier: facts.tier, program: current, now: now)
        }
        if plan.growByAward {
            try await reviewGrowth(member, program: current, now: now)
        }
        if plan.recomputeGrowth {
            // Refunds and cancellation lower the member's spend (stats and tier read the
            // refunds, not the clawbacks below), so this can come first.
            try await recountGrowth(member, program: current, now: now)
        }
        guard plan.applyRefunds || plan.reverseRest,
            let earned = try await earnedPoints(order.id), earned.points > 0
        else { return settlement }
        let program = try await cachedProgram(version: earned.version)
        // Read once, then kept up to date as each refund is applied.
        var clawed = try await clawedSoFar(order.id)
        for refund in try await unappliedRefunds(order.id) {
            let share: Clawback.Share
            if refund.lines.isEmpty || order.lines.isEmpty {
                share = Clawback.Share(amount: refund.amount, of: order.amount.minorUnits)
            } else {
                let priced = try RefundDraft.priced(refund.lines, in: order.lines)
                share = Clawback.Share(program.earning.weight(of: priced), of: program.earning.weight(of: order.lines))
            }
            let points = Clawback.points(
                earned: earned.points,
                alreadyClawedBack: clawed,
                share: share,
                completesOrder: refund.refundedThrough >= order.amount.minorUnits
            )
            let (taken, forgiven) = try await clawBack(
                points,
                from: order,
                member: member,
                program: program,
                source: .refund,
                key: "refund:\(refund.id.uuidString.lowercased())",
                sourceRef: refund.externalID,
                now: now
            )
            try await query(
                """
                UPDATE refunds SET points_clawed_back = \(taken), points_forgiven = \(forgiven), applied_at = \(now)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(refund.id)
                """
            )
            settlement.clawedBack += taken
            settlement.forgiven += forgiven
            clawed += taken + forgiven
        }
        let reverseKey = Self.reverseKey(order.id)
        if plan.reverseRest, !(try await entryExists(key: reverseKey)) {
            let left = earned.points - clawed
            if left > 0 {
                let (taken, forgiven) = try await clawBack(
                    left,
                    from: order,
                    member: member,
                    program: program,
                    source: order.status == .cancelled ? .cancel : .refund,
                    key: reverseKey,
                    now: now
                )
                settlement.clawedBack += taken
                settlement.forgiven += forgiven
            }
        }
        return settlement
    }

    /// Scores the order: the earning context in one statement (which also fixes when its spend
    /// qualifies), then the lot, entry, balance, event and statistics in one more.
    private func award(
        _ order: OrderForPoints,
        member: MemberPoints,
        tier: String?,
        program: Program,
        now: Date
    ) async throws -> EarningAward {
        let timing = AwardTiming(paidAt: order.paidAt, now: now, program: program)
        let award: EarningAward
        if !program.earns(in: order.amount.currency) {
            try await query(
                """
                UPDATE orders SET qualifies_at = \(timing.qualifiesAt)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(order.id)
                """
            )
            award = .currencyMismatch
        } else {
            let paidAt = timing.earnedAt
            let day = program.day(containing: paidAt)
            let rows = try await run(
                ScoringStatements.EarningContext(
                    qualifiesAt: timing.qualifiesAt,
                    tenant: tenant.rawValue,
                    order: order.id,
                    member: member.id,
                    dayStart: day.start,
                    dayEnd: day.end,
                    paidAt: paidAt
                )
            )
            var context = EarningContext()
            for (first, today, percents, categories) in rows {
                // Multiplier campaigns running when the order was paid ('' = the whole order).
                context.campaigns = zip(percents, categories).map {
                    CampaignMultiplier(percent: $0, category: $1.isEmpty ? nil : $1)
                }
                context.isFirstOrder = first
                context.earnedToday = today
                // The tier the member had before this order: reaching a new one pays from the next.
                if let tiers = program.tiers {
                    context.tierMultiplierPercent = tiers.level(code: tier).earnMultiplierPercent
                }
            }
            award = program.earning.award(for: EarningInput(order.amount, lines: order.lines), context: context)
        }
        let key = Self.earnKey(order.id)
        var posting = LedgerPosting(
            entry: LedgerWrite(
                member: member.id,
                at: now,
                kind: .earn,
                source: .order,
                key: key,
                order: order.id,
                programVersion: program.version,
                reason: award.reason?.rawValue,
                description: award.bonus > 0 ? "\(award.base) + first-order bonus \(award.bonus)" : nil
            ),
            growth: (GrowthDelta(scoring: order.amount, program: program), order.placedAt)
        )
        if award.points > 0 {
            let lot = UUID()
            posting.entry.lot = lot
            posting.entry.lots = [LotTouch(lotID: lot, points: award.points)]
            posting.lot = LedgerPosting.NewLot(
                source: "order",
                order: order.id,
                points: award.points,
                pending: timing.pending,
                earnedAt: timing.earnedAt,
                availableAt: timing.qualifiesAt,
                expiresAt: program.expiresAt(earnedAt: timing.earnedAt),
                programVersion: program.version
            )
            if timing.pending {
                posting.entry.pending = award.points
            } else {
                posting.entry.available = award.points
            }
            posting.balance = LedgerPosting.BalanceChange(
                available: posting.entry.available,
                pending: posting.entry.pending,
                earned: award.points,
                lastEarnedAt: timing.earnedAt
            )
            posting.event = PointsEvent(
                timing.pending ? .pending : .earned,
                points: award.points,
                available: 0,
                pending: 0,
                order: order.externalID,
                programVersion: program.version,
                availableAt: timing.pending ? timing.qualifiesAt : nil
            )
        }
        try await post(posting, member: member)
        // Per-category windows cost nothing to programs without them.
        if let windows = program.repurchase {
            try await recordCategories(member: member.id, lines: order.lines, paidAt: timing.earnedAt, windows: windows)
        }
        guard award.points > 0 else { return award }
        if timing.pending {
            try await scheduleRelease(at: timing.qualifiesAt)
        } else {
            try await settleDebt(member, now: now)
        }
        return award
    }

    /// Takes `points` back for an order: from the order's own lot first (pending or available),
    /// then — if they were spent — from the member's other available lots, and the rest into
    /// debt or forgiven by the clawback policy of `program`, the version the order earned under.
    /// Appends a `reverse` entry keyed `key` with the deltas and lots touched.
    /// Returns (taken, forgiven).
    func clawBack(
        _ points: Int64,
        from order: OrderForPoints,
        member: MemberPoints,
        program: Program,
        source: LedgerWrite.Source,
        key: String,
        sourceRef: String? = nil,
        now: Date
    ) async throws -> (Int64, Int64) {
        let policy = program.clawback
        let entry = LedgerWrite(
            member: member.id,
            at: now,
            kind: .reverse,
            source: source,
            key: key,
            order: order.id,
            sourceRef: sourceRef,
            programVersion: program.version
        )
        guard points > 0 else {
            var empty = entry
            empty.description = "nothing to take back"
            try await append(empty)
            return (0, 0)
        }
        var touches: [LotTouch] = []
        var pendingTaken: Int64 = 0
        var availableTaken: Int64 = 0
        var orderLot: UUID?
        let rows = try await query(
            """
            UPDATE point_lots l SET
                remaining = l.remaining - least(l.remaining, \(points)),
                state = CASE WHEN l.state = 'pending' AND l.remaining <= \(points) THEN 'reversed' ELSE l.state END
            FROM (SELECT id, state, remaining FROM point_lots
                  WHERE tenant_id = \(tenant.rawValue) AND order_id = \(order.id) AND source = 'order'
                    AND state IN ('pending', 'available')
                  LIMIT 1) AS before
            WHERE l.tenant_id = \(tenant.rawValue) AND l.id = before.id
            RETURNING l.id, before.state, least(before.remaining, \(points))
            """
        )
        for try await (id, state, taken) in rows.decode((UUID, String, Int64).self) {
            orderLot = id
            if taken > 0 { touches.append(LotTouch(lotID: id, points: taken)) }
            if state == "pending" { pendingTaken = taken } else { availableTaken = taken }
        }
        var rest = points - pendingTaken - availableTaken
        if rest > 0 {
            let others = try await consumeLots(member: member.id, points: rest, excluding: orderLot)
            touches += others
            availableTaken += others.total
            rest -= others.total
        }
        let (debt, forgiven) = Clawback.shortfall(rest, policy: policy)
        var write = entry
        write.available = -(availableTaken + debt)
        write.pending = -pendingTaken
        write.lots = touches
        if debt > 0 { write.description = "\(debt) points were already spent: owed from future points" }
        if forgiven > 0 { write.description = "\(forgiven) points were already spent: forgiven (stop_at_zero)" }
        try await append(write)
        let balance = try await updateBalance(
            member.id,
            available: write.available,
            pending: write.pending,
            debt: debt,
            reversed: points - forgiven
        )
        try await recordEvent(
            member,
            PointsEvent(
                .reversed,
                points: points - forgiven,
                available: balance.available,
                pending: balance.pending,
                order: order.externalID,
                source: entry.source.rawValue,
                refund: entry.sourceRef
            )
        )
        return (points - forgiven, forgiven)
    }

    /// What the order's earn entry awarded, and under which program version.
    static func earnKey(_ orderID: UUID) -> String { "order:\(orderID.uuidString.lowercased()):earn" }
    /// The entry taking back what is left when an order is cancelled or fully refunded.
    static func reverseKey(_ orderID: UUID) -> String { "order:\(orderID.uuidString.lowercased()):reverse" }

    func earnedPoints(_ orderID: UUID) async throws -> (points: Int64, version: Int)? {
        let key = Self.earnKey(orderID)
        let rows = try await query(
            """
            SELECT available_delta + pending_delta, coalesce(program_version, 0) FROM ledger_entries
            WHERE tenant_id = \(tenant.rawValue) AND idempotency_key = \(key)
            """
        )
        for try await (points, version) in rows.decode((Int64, Int).self) { return (points, version) }
        return nil
    }

    /// Points already taken back from the order, including any forgiven: refunds and the
    /// final reversal both count against what the order earned.
    func clawedSoFar(_ orderID: UUID) async throws -> Int64 {
        let rows = try await query(
            """
            SELECT (coalesce((SELECT sum(points_clawed_back + points_forgiven) FROM refunds
                             WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID) AND applied_at IS NOT NULL), 0)
                 + coalesce((SELECT -(available_delta + pending_delta) FROM ledger_entries
                             WHERE tenant_id = \(tenant.rawValue)
                               AND idempotency_key = \(Self.reverseKey(orderID))), 0))::bigint
            """
        )
        return try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0
    }

    private struct PendingRefund {
        var id: UUID
        var externalID: String
        var amount: Int64
        var lines: [RefundDraft.Line]
        /// The order's refunded total up to and including this refund.
        var refundedThrough: Int64
    }

    private func unappliedRefunds(_ orderID: UUID) async throws -> [PendingRefund] {
        let rows = try await query(
            """
            SELECT id, external_id, amount, lines::text, applied_at IS NULL,
                   sum(amount) OVER (ORDER BY created_at, id)::bigint
            FROM refunds WHERE tenant_id = \(tenant.rawValue) AND order_id = \(orderID)
            ORDER BY created_at, id
            """
        )
        var refunds: [PendingRefund] = []
        for try await (id, external, amount, lines, unapplied, through) in rows.decode(
            (UUID, String, Int64, String, Bool, Int64).self
        ) where unapplied {
            refunds.append(
                PendingRefund(
                    id: id,
                    externalID: external,
                    amount: amount,
                    lines: try JSONDecoder().decode([RefundDraft.Line].self, from: Data(lines.utf8)),
                    refundedThrough: through
                )
            )
        }
        return refunds
    }

    /// What settling an order reads under its lock: the order, its member's balance row (locked
    /// too), the member's tier and the tenant's current program version.
    struct OrderFacts {
        var order: OrderForPoints
        var member: MemberPoints
        var tier: String?
        var programVersion: Int
    }

    /// Locks the order, then its member's balance row (creating it at zero), and reads what the
    /// points engine needs: two round trips (below, why not one).
    func lockOrderForPoints(_ orderID: UUID) async throws -> OrderFacts? {
        // The lock first, the facts after, in a statement of their own: under READ COMMITTED a
        // statement that waited for the lock still reads everything else (here: whether the order
        // is scored) as of its start, so a second job for the same order that waited for the
        // first would not see its `earn` entry and fail on the duplicate instead of doing nothing.
        // The balance row is locked in the second statement (lock order: order, then balance);
        // its upsert returns the row as it is after any wait, so the balance read is current.
        _ = try await run(ScoringStatements.LockOrder(tenant: tenant.rawValue, order: orderID))
        let rows = try await run(
            ScoringStatements.OrderFacts(tenant: tenant.rawValue, order: orderID, earnKey: Self.earnKey(orderID))
        )
        for row in rows {
            let (external, memberID, currency, amount, status, paidAt, placedAt, lines, scored, hasRefunds) =
                try row.decode((String, UUID, String, Int64, String, Date?, Date, String, Bool, Bool).self)
            let columns = try row.makeRandomAccess()
            let memberExternal = try columns[10].decode(String.self)
            let tier = try columns[11].decode(String?.self)
            let (available, pending, held, debt) = (
                try columns[12].decode(Int64.self), try columns[13].decode(Int64.self),
                try columns[14].decode(Int64.self), try columns[15].decode(Int64.self)
            )
            let version = try columns[16].decode(Int.self)
            guard let status = OrderStatus(rawValue: status) else {
                throw JifenError(.internalError, "order \(orderID) has unknown status '\(status)'")
            }
            let order = OrderForPoints(
                id: orderID,
                externalID: external,
                member: memberID,
                amount: try Money(minorUnits: amount, currency: Currency(currency)),
                status: status,
                paidAt: paidAt,
                placedAt: placedAt,
                lines: try JSONDecoder().decode([OrderLine].self, from: Data(lines.utf8)),
                scored: scored,
                hasRefunds: hasRefunds
            )
            let member = MemberPoints(
                id: memberID,
                externalID: memberExternal,
                available: available,
                pending: pending,
                held: held,
                debt: debt
            )
            return OrderFacts(order: order, member: member, tier: tier, programVersion: version)
        }
        return nil
    }

    /// Queues the release of pending points at `date`: the job releases every lot of the
    /// tenant that is due by then, so one job per due time is enough.
    func scheduleRelease(at date: Date) async throws {
        try await enqueue(.releasePoints, payload: "{}", runAt: date)
    }
}
