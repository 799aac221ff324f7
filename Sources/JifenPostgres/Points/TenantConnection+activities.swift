import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Records an activity and awards its points by the program's rule for its type, once per
    /// (type, external id): the same activity again returns the stored one (`created` false).
    /// Limits are counted under the member's lock, so concurrent posts cannot exceed them;
    /// over a limit, the activity is recorded with 0 points and the reason.
    public func recordActivity(member externalID: ExternalID, _ draft: ActivityDraft, now: Date = Date())
        async throws -> (activity: Activity, created: Bool)?
    {
        guard let memberRecord = try await member(externalID) else { return nil }
        let program = try await program()
        guard let rule = program.activity(draft.type) else {
            throw JifenError.invalid(
                "type",
                "the program has no activity type '\(draft.type)'; define it under `activities` in PUT /v1/program"
            )
        }
        let occurredAt = draft.occurredAt ?? now
        if occurredAt > now.addingTimeInterval(300) {
            throw JifenError.invalid("occurred_at", "must not be in the future")
        }
        let member = try await lockMember(memberRecord.id)
        if let existing = try await activity(type: draft.type, externalID: draft.externalID.rawValue) {
            guard existing.member == externalID.rawValue else {
                throw JifenError.conflict(
                    "activity '\(draft.externalID)' of type '\(draft.type)' was recorded for another member"
                )
            }
            return (existing, false)
        }
        // Claim the id first: the same activity posted for two members at once must not award
        // both (the same member's posts already queue on its lock).
        let claimed = try await query(
            """
            INSERT INTO activities (tenant_id, member_id, type, external_id, occurred_at, metadata, points,
                                    program_version, created_at)
            VALUES (\(tenant.rawValue), \(member.id), \(draft.type), \(draft.externalID.rawValue), \(occurredAt),
                    \(draft.metadata)::jsonb, 0, \(program.version), \(now))
            ON CONFLICT (tenant_id, type, external_id) DO NOTHING
            RETURNING id
            """
        )
        guard let activityID = try await claimed.decode(UUID.self).first(where: { _ in true }) else {
            throw JifenError.conflict(
                "activity '\(draft.externalID)' of type '\(draft.type)' was recorded for another member"
            )
        }
        let day = program.day(containing: occurredAt)
        let counts = try await query(
            """
            SELECT count(*) FILTER (WHERE occurred_at >= \(day.start) AND occurred_at < \(day.end)), count(*)
            FROM activities
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id) AND type = \(draft.type) AND points > 0
            """
        )
        var (today, ever): (Int64, Int64) = (0, 0)
        for try await (day, all) in counts.decode((Int64, Int64).self) { (today, ever) = (day, all) }
        let (points, refusal) = rule.evaluate(rewardedToday: today, rewardedEver: ever)
        var lot: UUID?
        if points > 0 {
            let availableAt = program.availableAt(earnedAt: occurredAt, pendingDays: rule.pendingDays)
            let pending = availableAt > now
            let lotID = try await addLot(
                member: member.id,
                source: "activity",
                points: points,
                pending: pending,
                earnedAt: occurredAt,
                availableAt: availableAt,
                program: program
            )
            lot = lotID
            try await append(
                LedgerWrite(
                    member: member.id,
                    at: now,
                    kind: .earn,
                    source: .activity,
                    available: pending ? 0 : points,
                    pending: pending ? points : 0,
                    key: "activity:\(draft.type):\(draft.externalID.rawValue)",
                    lot: lotID,
                    sourceRef: "\(draft.type):\(draft.externalID.rawValue)",
                    programVersion: program.version,
                    reason: draft.type,
                    lots: [LotTouch(lotID: lotID, points: points)]
                )
            )
            let balance = try await updateBalance(
                member.id,
                available: pending ? 0 : points,
                pending: pending ? points : 0,
                earned: points,
                lastEarnedAt: occurredAt
            )
            if pending { try await scheduleRelease(at: availableAt) } else { try await settleDebt(member, now: now) }
            try await recordEvent(
                member,
                PointsEvent(
                    pending ? .pending : .earned,
                    points: points,
                    available: balance.available,
                    pending: balance.pending,
                    activity: draft.type
                )
            )
        }
        try await query(
            """
            UPDATE activities SET points = \(points), reason = \(refusal?.rawValue), lot_id = \(lot)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(activityID)
            """
        )
        guard let activity = try await activity(type: draft.type, externalID: draft.externalID.rawValue) else {
            throw JifenError(.internalError, "activity vanished in its own transaction")
        }
        return (activity, true)
    }

    private func activity(type: String, externalID: String) async throws -> Activity? {
        let rows = try await query(
            """
            SELECT a.id, m.external_id, a.type, a.external_id, a.occurred_at, a.points, a.reason, l.state,
                   a.program_version, a.created_at
            FROM activities a
            JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
            LEFT JOIN point_lots l ON l.tenant_id = a.tenant_id AND l.id = a.lot_id
            WHERE a.tenant_id = \(tenant.rawValue) AND a.type = \(type) AND a.external_id = \(externalID)
            """
        )
        for try await (id, member, type, external, occurredAt, points, reason, lotState, version, createdAt)
            in rows
            .decode((UUID, String, String, String, Date, Int64, String?, String?, Int, Date).self)
        {
            return Activity(
                id: id,
                member: member,
                type: type,
                externalID: external,
                occurredAt: occurredAt,
                points: points,
                reason: reason,
                state: lotState ?? "none",
                programVersion: version,
                createdAt: createdAt
            )
        }
        return nil
    }
}
