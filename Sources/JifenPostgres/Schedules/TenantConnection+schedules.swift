import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Creates a staged bonus and grants the installments already due (usually the first).
    public func createSchedule(member externalID: ExternalID, _ draft: ScheduleDraft, now: Date = Date()) async throws
        -> Schedule?
    {
        guard let memberRecord = try await member(externalID) else { return nil }
        if let reference = draft.sourceReference, let id = try? ExternalID(reference), let source = try await order(id)
        {
            // A bonus for an order already cancelled or refunded would never be stopped by it.
            let refunded = try await !refunds(order: source).isEmpty
            if source.status == .cancelled || source.status == .refunded || refunded {
                throw JifenError.conflict(
                    "order '\(reference)' was cancelled or refunded: it cannot fund a staged bonus"
                )
            }
        }
        let program = try await program()
        let id = UUID()
        try await query(
            """
            INSERT INTO schedules (tenant_id, id, member_id, total_points, installments, period, start_at, reason,
                                   source_reference, state, created_at)
            VALUES (\(tenant.rawValue), \(id), \(memberRecord.id), \(draft.total), \(draft.installments),
                    \(draft.period.rawValue), \(draft.start), \(draft.reason), \(draft.sourceReference), 'active', \(now))
            """
        )
        let plan = draft.plan(in: program.zone)
        try await query(
            """
            INSERT INTO schedule_installments (tenant_id, schedule_id, number, due_at, points)
            SELECT \(tenant.rawValue), \(id), * FROM unnest(\(plan.map(\.number))::int[],
                                                            \(plan.map(\.dueAt))::timestamptz[],
                                                            \(plan.map(\.points))::bigint[])
            """
        )
        _ = try await grantDueInstallments(now: now, schedule: id)
        return try await schedule(id)
    }

    /// Stops a schedule: installments not yet granted never will be. Cancelling again changes
    /// nothing; a completed schedule cannot be cancelled.
    public func cancelSchedule(_ id: UUID, now: Date = Date()) async throws -> Schedule? {
        guard let existing = try await schedule(id) else { return nil }
        switch existing.state {
        case .cancelled: return existing
        case .completed:
            throw JifenError.conflict(
                "schedule \(id.uuidString.lowercased()) is completed: every installment was granted"
            )
        case .active:
            try await query(
                """
                UPDATE schedules SET state = 'cancelled', cancelled_at = \(now)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND state = 'active'
                """
            )
            return try await schedule(id)
        }
    }

    /// Stops the active schedules whose source is `reference` (an order refunded or cancelled).
    func cancelSchedules(sourceReference reference: String, now: Date) async throws {
        try await query(
            """
            UPDATE schedules SET state = 'cancelled', cancelled_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND source_reference = \(reference) AND state = 'active'
            """
        )
    }

    /// Grants installments due at `now` of active schedules (of one schedule, or all), at most
    /// `limit`; returns how many. Each is claimed with a row update (`granted_at IS NULL`), so two
    /// workers sweeping at once grant it once, and its ledger key backs that up.
    public func grantDueInstallments(now: Date = Date(), limit: Int = 500, schedule only: UUID? = nil) async throws
        -> Int
    {
        let due = try await query(
            """
            SELECT i.schedule_id, i.number, s.member_id FROM schedule_installments i
            JOIN schedules s ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id
            WHERE i.tenant_id = \(tenant.rawValue) AND i.granted_at IS NULL AND i.due_at <= \(now)
              AND s.state = 'active' AND (\(only == nil) OR s.id = \(only ?? UUID()))
            ORDER BY i.due_at LIMIT \(limit)
            """
        )
        var installments: [(UUID, Int, UUID)] = []
        for try await row in due.decode((UUID, Int, UUID).self) { installments.append(row) }
        guard !installments.isEmpty else { return 0 }
        let program = try await program()
        var granted = 0
        for (scheduleID, number, memberID) in installments {
            let member = try await lockMember(memberID)
            let claimed = try await query(
                """
                UPDATE schedule_installments i SET granted_at = \(now)
                FROM schedules s
                WHERE i.tenant_id = \(tenant.rawValue) AND i.schedule_id = \(scheduleID) AND i.number = \(number)
                  AND i.granted_at IS NULL AND s.tenant_id = i.tenant_id AND s.id = i.schedule_id AND s.state = 'active'
                RETURNING i.points, i.due_at, s.reason, s.installments
                """
            )
            guard
                let (points, dueAt, reason, count) = try await claimed.decode((Int64, Date, String, Int).self)
                    .first(where: { _ in true })
            else { continue }
            // Dated when it was due, so a late sweep does not stretch its expiry.
            let lot = try await addLot(
                member: member.id,
                source: "schedule",
                points: points,
                pending: false,
                earnedAt: dueAt,
                availableAt: dueAt,
                program: program
            )
            try await query(
                """
                UPDATE schedule_installments SET lot_id = \(lot)
                WHERE tenant_id = \(tenant.rawValue) AND schedule_id = \(scheduleID) AND number = \(number)
                """
            )
            let ref = "\(scheduleID.uuidString.lowercased()):\(number)"
            try await append(
                LedgerWrite(
                    member: member.id,
                    at: now,
                    kind: .earn,
                    source: .schedule,
                    available: points,
                    key: "schedule:\(ref)",
                    lot: lot,
                    sourceRef: ref,
                    programVersion: program.version,
                    reason: reason,
                    description: "installment \(number) of \(count)",
                    lots: [LotTouch(lotID: lot, points: points)]
                )
            )
            let balance = try await updateBalance(member.id, available: points, earned: points)
            try await settleDebt(member, now: now)
            if number == count {
                try await query(
                    """
                    UPDATE schedules SET state = 'completed'
                    WHERE tenant_id = \(tenant.rawValue) AND id = \(scheduleID) AND state = 'active'
                    """
                )
            }
            try await recordEvent(
                member,
                InstallmentGranted(
                    points: points,
                    available: balance.available,
                    pending: balance.pending,
                    schedule: scheduleID.uuidString.lowercased(),
                    installment: Int64(number),
                    installments: Int64(count)
                )
            )
            granted += 1
        }
        return granted
    }

    public func schedule(_ id: UUID) async throws -> Schedule? {
        try await schedules(where: "s.id = '\(id.uuidString)'", limit: 1).first
    }

    /// A member's schedules, newest first, each with its installments.
    public func schedules(member: UUID, limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Schedule> {
        let rows = try await query(
            """
            SELECT s.id FROM schedules s
            WHERE s.tenant_id = \(tenant.rawValue) AND s.member_id = \(member)
              AND \(after: cursor, on: "s")
            ORDER BY s.created_at DESC, s.id DESC LIMIT \(limit.value + 1)
            """
        )
        var schedules: [Schedule] = []
        for try await scheduleID in rows.decode(UUID.self) {
            if let schedule = try await schedule(scheduleID) { schedules.append(schedule) }
        }
        return Page.slicing(schedules, limit: limit) { $0.cursor }
    }

    private func schedules(where condition: String, limit: Int) async throws -> [Schedule] {
        let rows = try await query(
            """
            SELECT s.id, m.external_id, s.total_points, s.period, s.start_at, s.reason, s.source_reference, s.state,
                   s.created_at, s.cancelled_at, (extract(epoch FROM s.created_at) * 1000000)::bigint,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object('number', i.number, 'due_at', extract(epoch FROM i.due_at),
                                                                 'points', i.points,
                                                                 'granted_at', extract(epoch FROM i.granted_at))
                                              ORDER BY i.number), '[]')::text
                    FROM schedule_installments i WHERE i.tenant_id = s.tenant_id AND i.schedule_id = s.id)
            FROM schedules s JOIN members m ON m.tenant_id = s.tenant_id AND m.id = s.member_id
            WHERE s.tenant_id = \(tenant.rawValue) AND \(unescaped: condition)
            LIMIT \(limit)
            """
        )
        var schedules: [Schedule] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            schedules.append(
                Schedule(
                    id: try columns.value(0, UUID.self),
                    member: try columns.value(1, String.self),
                    totalPoints: try columns.value(2, Int64.self),
                    period: ScheduleDraft.Period(rawValue: try columns.value(3, String.self)) ?? .month,
                    startAt: try columns.value(4, Date.self),
                    reason: try columns.value(5, String.self),
                    sourceReference: try columns.value(6, String?.self),
                    state: Schedule.State(rawValue: try columns.value(7, String.self)) ?? .active,
                    createdAt: try columns.value(8, Date.self),
                    cancelledAt: try columns.value(9, Date?.self),
                    installments: try Self.installments(try columns.value(11, String.self)),
                    createdAtMicros: try columns.value(10, Int64.self)
                )
            )
        }
        return schedules
    }

    private static func installments(_ json: String) throws -> [Schedule.Installment] {
        struct Row: Decodable {
            var number: Int
            var dueAt: Double
            var points: Int64
            var grantedAt: Double?

            enum CodingKeys: String, CodingKey {
                case number, points
                case dueAt = "due_at"
                case grantedAt = "granted_at"
            }
        }
        let decoder = JSONDecoder()
        return try decoder.decode([Row].self, from: Data(json.utf8)).map {
            Schedule.Installment(
                number: $0.number,
                dueAt: Date(timeIntervalSince1970: $0.dueAt),
                points: $0.points,
                grantedAt: $0.grantedAt.map(Date.init(timeIntervalSince1970:))
            )
        }
    }
}
