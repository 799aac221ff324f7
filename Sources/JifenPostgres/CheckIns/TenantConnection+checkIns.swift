import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Checks the member in for today (the program's time zone): points per check-in plus the
    /// bonus for the streak's day; a missed day starts a new streak. Once a day: checking in
    /// again the same day returns the day's check-in with `created` false.
    public func checkIn(member externalID: ExternalID, now: Date = Date()) async throws -> (
        checkIn: CheckIn, created: Bool
    )? {
        guard let memberRecord = try await member(externalID) else { return nil }
        let program = try await program()
        guard let rules = program.checkIn else {
            throw JifenError.conflict("check-ins are off: set `check_in` in PUT /v1/program to turn them on")
        }
        let member = try await lockMember(memberRecord.id)
        let today = program.localDay(now)
        let last = try await query(
            """
            SELECT local_day, streak FROM check_ins
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id)
            ORDER BY local_day DESC LIMIT 1
            """
        )
        var previous: (day: Int, streak: Int64)?
        for try await (day, streak) in last.decode((Int, Int64).self) { previous = (day, streak) }
        if let previous, previous.day == today, let existing = try await checkIn(member: member, day: today) {
            return (existing, false)
        }
        let streak = CheckInRules.streak(today: today, last: previous)
        let bonus = rules.bonus(forStreak: streak)
        let points = rules.points + bonus
        var lot: UUID?
        if points > 0 {
            let lotID = try await addLot(
                member: member.id,
                source: "check_in",
                points: points,
                pending: false,
                earnedAt: now,
                availableAt: now,
                program: program
            )
            lot = lotID
            try await append(
                LedgerWrite(
                    member: member.id,
                    at: now,
                    kind: .earn,
                    source: .checkIn,
                    available: points,
                    key: "check_in:\(member.id.uuidString.lowercased()):\(today)",
                    lot: lotID,
                    sourceRef: LocalDay.text(today),
                    programVersion: program.version,
                    description: bonus > 0 ? "day \(streak) of a streak: \(rules.points) + bonus \(bonus)" : nil,
                    lots: [LotTouch(lotID: lotID, points: points)]
                )
            )
            let balance = try await updateBalance(member.id, available: points, earned: points, lastEarnedAt: now)
            try await settleDebt(member, now: now)
            try await recordEvent(
                member,
                PointsEvent(
                    .earned,
                    points: points,
                    available: balance.available,
                    pending: balance.pending,
                    checkInStreak: streak
                )
            )
        }
        try await query(
            """
            INSERT INTO check_ins (tenant_id, member_id, local_day, streak, points, bonus, lot_id, program_version,
                                   created_at)
            VALUES (\(tenant.rawValue), \(member.id), \(today), \(streak), \(points), \(bonus), \(lot),
                    \(program.version), \(now))
            """
        )
        guard let created = try await checkIn(member: member, day: today) else {
            throw JifenError(.internalError, "check-in vanished in its own transaction")
        }
        return (created, true)
    }

    private func checkIn(member: MemberPoints, day: Int) async throws -> CheckIn? {
        let rows = try await query(
            """
            SELECT id, streak, points, bonus, program_version, created_at FROM check_ins
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id) AND local_day = \(day)
            """
        )
        for try await (id, streak, points, bonus, version, createdAt) in rows.decode(
            (UUID, Int64, Int64, Int64, Int, Date).self
        ) {
            return CheckIn(
                id: id,
                member: member.externalID,
                day: LocalDay.text(day),
                streak: streak,
                points: points,
                bonus: bonus,
                programVersion: version,
                createdAt: createdAt
            )
        }
        return nil
    }
}
