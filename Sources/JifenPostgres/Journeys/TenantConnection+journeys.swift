import Foundation
import JifenCore
import PostgresNIO

// Journeys: who enters (a segment or the 11.11 sale's new customers at creation; lapsing members
// as they lapse), each member's position, the steps the workers run exactly once per member,
// step and cycle, and the results against the held-out members.
//
// Lock order: the member's balance row (lockMember), then its journey_members row.
extension TenantConnection {
    public func createJourney(_ draft: JourneyDraft, now: Date = Date()) async throws -> Journey {
        for step in draft.steps {
            if case .coupon(let template) = step.action, try await couponTemplate(template) == nil {
                throw JifenError.invalid("steps", "no coupon template '\(template.uuidString.lowercased())'")
            }
        }
        let id = UUID()
        let definition = String(decoding: try JSONEncoder().encode(draft), as: UTF8.self)
        try await query(
            """
            INSERT INTO journeys (tenant_id, id, name, definition, created_at)
            VALUES (\(tenant.rawValue), \(id), \(draft.name), \(definition)::jsonb, \(now))
            """
        )
        guard let journey = try await journey(id) else {
            throw JifenError(.internalError, "journey \(id) vanished after its insert")
        }
        switch draft.entry {
        case .segment(let filter):
            let rows = try await filteredMembers(
                "SELECT m.id FROM members m",
                filter: filter,
                tiers: try await program().tiers,
                now: now
            )
            var members: [UUID] = []
            for try await member in rows.decode(UUID.self) { members.append(member) }
            try await enrol(members, in: journey, now: now)
        case .firstOrder(let from, let until, let minimumSpend):
            // Members whose first paid order fell in the window, with at least the minimum spent.
            let rows = try await query(
                """
                SELECT o.member_id FROM orders o
                WHERE o.tenant_id = \(tenant.rawValue) AND o.paid_at IS NOT NULL
                  AND o.paid_at >= \(from) AND o.paid_at < \(until) AND o.amount >= \(minimumSpend)
                  AND NOT EXISTS (SELECT 1 FROM orders p WHERE p.tenant_id = o.tenant_id
                                  AND p.member_id = o.member_id AND p.paid_at IS NOT NULL AND p.paid_at < \(from))
                GROUP BY o.member_id
                """
            )
            var members: [UUID] = []
            for try await member in rows.decode(UUID.self) { members.append(member) }
            try await enrol(members, in: journey, now: now)
        case .lapsing:
            break  // members enter as they lapse (detectCategoryLapses)
        }
        return try await self.journey(id) ?? journey
    }

    /// Puts members into a journey (once each): held out by the stable hash of journey and
    /// member, their first step due after its wait.
    func enrol(_ members: [UUID], in journey: Journey, now: Date) async throws {
        guard !members.isEmpty, let first = journey.draft.steps.first else { return }
        let heldOut = members.map {
            Holdout.isHeldOut(scope: journey.id, member: $0, sharePercent: journey.draft.holdoutPercent)
        }
        let due = now.addingTimeInterval(TimeInterval(first.waitDays) * 86_400)
        try await query(
            """
            INSERT INTO journey_members (tenant_id, journey_id, member_id, held_out, entered_at, next_due_at)
            SELECT \(tenant.rawValue), \(journey.id), t.member, t.held_out, \(now), \(due)
            FROM unnest(\(members)::uuid[], \(heldOut)::boolean[]) AS t(member, held_out)
            ON CONFLICT DO NOTHING
            """
        )
    }

    func activeJourneys() async throws -> [Journey] {
        let rows = try await query(
            "SELECT id FROM journeys WHERE tenant_id = \(tenant.rawValue) AND state = 'active' ORDER BY created_at"
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        var journeys: [Journey] = []
        for id in ids { if let journey = try await journey(id) { journeys.append(journey) } }
        return journeys
    }

    public func journey(_ id: UUID) async throws -> Journey? {
        let rows = try await query(
            """
            SELECT j.id, j.definition::text, j.state, j.created_at, (extract(epoch FROM j.created_at) * 1000000)::bigint,
                   (SELECT count(*)::int FROM journey_members m WHERE m.tenant_id = j.tenant_id AND m.journey_id = j.id),
                   (SELECT count(*)::int FROM journey_members m WHERE m.tenant_id = j.tenant_id AND m.journey_id = j.id
                                                                 AND m.held_out)
            FROM journeys j WHERE j.tenant_id = \(tenant.rawValue) AND j.id = \(id)
            """
        )
        for try await (id, definition, state, createdAt, micros, members, heldOut) in rows.decode(
            (UUID, String, String, Date, Int64, Int, Int).self
        ) {
            return Journey(
                id: id,
                draft: try JSONDecoder().decode(JourneyDraft.self, from: Data(definition.utf8)),
                state: state,
                members: members,
                heldOut: heldOut,
                createdAt: createdAt,
                createdAtMicros: micros
            )
        }
        return nil
    }

    public func journeys(limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Journey> {
        let rows = try await query(
            """
            SELECT j.id FROM journeys j WHERE j.tenant_id = \(tenant.rawValue) AND \(after: cursor, on: "j")
            ORDER BY j.created_at DESC, j.id DESC LIMIT \(limit.value + 1)
            """
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        var journeys: [Journey] = []
        for id in ids { if let journey = try await journey(id) { journeys.append(journey) } }
        return Page.slicing(journeys, limit: limit) { $0.cursor }
    }

    /// Stops a journey: no member gets another step. Its members' next steps are cleared too, so
    /// the scheduler's due-work query no longer counts the tenant as having journey work.
    public func stopJourney(_ id: UUID) async throws -> Journey? {
        try await query("UPDATE journeys SET state = 'stopped' WHERE tenant_id = \(tenant.rawValue) AND id = \(id)")
        try await query(
            """
            UPDATE journey_members SET next_due_at = NULL
            WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(id) AND exited_at IS NULL
            """
        )
        return try await journey(id)
    }

    /// Moves members whose next step is due at `now`, one step each, at most `limit`; returns
    /// how many it moved. A step is recorded once (its primary key) before anything is given, so
    /// a worker killed midway and the one that takes over never give a step twice.
    public func advanceJourneys(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            SELECT m.journey_id, m.member_id FROM journey_members m
            JOIN journeys j ON j.tenant_id = m.tenant_id AND j.id = m.journey_id AND j.state = 'active'
            WHERE m.tenant_id = \(tenant.rawValue) AND m.exited_at IS NULL AND m.next_due_at <= \(now)
            ORDER BY m.next_due_at LIMIT \(limit)
            """
        )
        var due: [(UUID, UUID)] = []
        for try await row in rows.decode((UUID, UUID).self) { due.append(row) }
        var cache: [UUID: Journey] = [:]
        let program = try await program()
        for (journeyID, memberID) in due {
            var found = cache[journeyID]
            if found == nil { found = try await journey(journeyID) }
            guard let journey = found else { continue }
            cache[journeyID] = journey
            let member = try await lockMember(memberID)
            let position = try await query(
                """
                SELECT m.held_out, m.entered_at, m.cycle, m.step, m.last_step_at, m.exited_at, b.last_order_at
                FROM journey_members m JOIN members b ON b.tenant_id = m.tenant_id AND b.id = m.member_id
                WHERE m.tenant_id = \(tenant.rawValue) AND m.journey_id = \(journeyID) AND m.member_id = \(memberID)
                FOR UPDATE OF m
                """
            )
            guard
                let (heldOut, enteredAt, cycle, step, lastStepAt, exitedAt, lastOrderAt) = try await position.decode(
                    (Bool, Date, Int, Int, Date?, Date?, Date?).self
                ).first(where: { _ in true }), exitedAt == nil
            else { continue }
            let move = JourneyStepper.next(
                journey.draft,
                position: JourneyPosition(
                    cycle: cycle,
                    step: step,
                    enteredAt: enteredAt,
                    lastStepAt: lastStepAt,
                    heldOut: heldOut
                ),
                lastPurchaseAt: lastOrderAt,
                now: now
            )
            switch move {
            case .waitUntil(let date):
                try await query(
                    """
                    UPDATE journey_members SET next_due_at = \(date)
                    WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(journeyID) AND member_id = \(memberID)
                    """
                )
            case .exit(let reason):
                try await query(
                    """
                    UPDATE journey_members SET exited_at = \(now), exit_reason = \(reason.rawValue), next_due_at = NULL
                    WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(journeyID) AND member_id = \(memberID)
                    """
                )
            case .perform(let cycle, let step, let stimulate, let next, let nextDueAt):
                let action = journey.draft.steps[step].action
                let recorded = try await query(
                    """
                    INSERT INTO journey_steps (tenant_id, journey_id, member_id, cycle, step, performed_at, held_out,
                                               stimulated, action)
                    VALUES (\(tenant.rawValue), \(journeyID), \(memberID), \(cycle), \(step), \(now), \(heldOut),
                            \(stimulate), \(action.kind))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """
                )
                let first = try await recorded.decode(Int.self).first(where: { _ in true }) != nil
                if first && stimulate {
                    try await give(
                        member,
                        journey: journey,
                        action: action,
                        cycle: cycle,
                        step: step,
                        program: program,
                        now: now
                    )
                }
                try await query(
                    """
                    UPDATE journey_members SET cycle = \(next.cycle), step = \(next.step), last_step_at = \(now),
                                               next_due_at = \(nextDueAt ?? now)
                    WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(journeyID) AND member_id = \(memberID)
                    """
                )
            }
        }
        return due.count
    }

    /// What a step gives a stimulated member: a coupon, points, or only the event for the shop's
    /// messaging. Keys per journey, member, cycle and step: given once, whatever the workers do.
    private func give(
        _ member: MemberPoints,
        journey: Journey,
        action: JourneyDraft.Action,
        cycle: Int,
        step: Int,
        program: Program,
        now: Date
    ) async throws {
        let ref = "\(journey.id.uuidString.lowercased()):\(member.id.uuidString.lowercased()):\(cycle):\(step)"
        var event = JourneyStepEvent(
            journey: journey.id.uuidString.lowercased(),
            journeyName: journey.draft.name,
            cycle: Int64(cycle),
            step: Int64(step),
            action: action.kind
        )
        switch action {
        case .message(let key):
            event.message = key
        case .points(let points, let reasonCode):
            _ = try await grantLot(
                member,
                points: points,
                source: .journey,
                key: "journey:\(ref)",
                sourceRef: journey.id.uuidString.lowercased(),
                reason: reasonCode,
                description: journey.draft.name,
                program: program,
                now: now
            )
            event.points = points
            try await query(
                """
                UPDATE journey_steps SET points = \(points)
                WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(journey.id) AND member_id = \(member.id)
                  AND cycle = \(cycle) AND step = \(step)
                """
            )
        case .coupon(let template):
            do {
                let (coupon, _) = try await issueCoupon(
                    CouponIssue(template: template, key: "journey:\(ref)", source: .journey, sourceRef: ref),
                    to: member,
                    program: program,
                    now: now
                )
                event.coupon = coupon.code
                try await query(
                    """
                    UPDATE journey_steps SET coupon_id = \(coupon.id)
                    WHERE tenant_id = \(tenant.rawValue) AND journey_id = \(journey.id) AND member_id = \(member.id)
                      AND cycle = \(cycle) AND step = \(step)
                    """
                )
            } catch let error as JifenError where [.conflict, .outOfStock, .notFound].contains(error.code) {
                // The template ran out or was switched off: the step is recorded, the member gets
                // the event without a coupon (decided before any write: the transaction is intact).
                logger.info(
                    "journey coupon not issued",
                    metadata: ["journey": "\(journey.id)", "why": "\(error.detail)"]
                )
            }
        }
        try await recordEvent(member, event)
    }
}

extension JourneyDraft.Action {
    /// `coupon`, `points` or `message`.
    public var kind: String {
        switch self {
        case .coupon: "coupon"
        case .points: "points"
        case .message: "message"
        }
    }
}
