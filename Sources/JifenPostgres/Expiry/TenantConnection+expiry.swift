import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Expires up to `limit` lots that are due at `now`: lots whose own date has passed, and —
    /// under the inactivity policy — every lot of members who have earned nothing since the
    /// cutoff. One `expire` entry per lot for what remains of it (a partly spent lot expires
    /// only the rest), one `points.expired` event per member. Set-based: three statements per
    /// batch, whatever its size. Idempotent (entries are keyed by lot) and resumable (a lot
    /// leaves the `available` state in the same statement that writes its entry). Returns how
    /// many lots it expired.
    public func expireLots(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let program = try await program()
        let cutoff = program.expiry.inactivityCutoff(now: now, in: program.zone)
        let due = try await query(
            """
            SELECT id, member_id FROM point_lots
            WHERE tenant_id = \(tenant.rawValue) AND state = 'available' AND expires_at <= \(now)
            UNION
            SELECT l.id, l.member_id FROM point_lots l
            JOIN balances b ON b.tenant_id = l.tenant_id AND b.member_id = l.member_id
            WHERE \(cutoff != nil) AND l.tenant_id = \(tenant.rawValue) AND l.state = 'available' AND l.remaining > 0
              AND coalesce(b.last_earned_at, (SELECT max(earned_at) FROM point_lots n
                                              WHERE n.tenant_id = l.tenant_id AND n.member_id = l.member_id))
                  < \(cutoff ?? now)
            LIMIT \(limit)
            """
        )
        var lots: [UUID] = []
        var members = Set<UUID>()
        for try await (lot, member) in due.decode((UUID, UUID).self) {
            lots.append(lot)
            members.insert(member)
        }
        guard !lots.isEmpty else { return 0 }
        // The members' balance rows first, in one order, as every points operation locks them.
        try await query(
            """
            SELECT 1 FROM balances WHERE tenant_id = \(tenant.rawValue) AND member_id = ANY(\(Array(members)))
            ORDER BY member_id FOR UPDATE
            """
        )
        let rows = try await query(
            """
            WITH expired AS (
                UPDATE point_lots l SET remaining = 0, state = 'expired'
                FROM (SELECT id, remaining FROM point_lots
                      WHERE tenant_id = \(tenant.rawValue) AND id = ANY(\(lots)) AND state = 'available') AS before
                WHERE l.tenant_id = \(tenant.rawValue) AND l.id = before.id
                RETURNING l.id, l.member_id, l.order_id, l.program_version, before.remaining,
                          CASE WHEN l.expires_at <= \(now) THEN 'expiry_date' ELSE 'inactivity' END AS why
            ), entries AS (
                INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, lot_id, order_id, idempotency_key,
                                            source, program_version, reason, lots, created_at)
                SELECT \(tenant.rawValue), member_id, 'expire', -remaining, id, order_id, 'lot:' || id::text || ':expire',
                       'expiry', program_version, why,
                       jsonb_build_array(jsonb_build_object('lot_id', id, 'points', remaining)),
                       \(now)::timestamptz + (clock_timestamp() - transaction_timestamp())
                FROM expired WHERE remaining > 0
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING member_id, -available_delta AS points
            ), per_member AS (
                SELECT member_id, sum(points)::bigint AS points FROM entries GROUP BY member_id
            ), balances_after AS (
                UPDATE balances b SET available = b.available - p.points,
                                      lifetime_expired = b.lifetime_expired + p.points,
                                      event_sequence = b.event_sequence + 1, updated_at = clock_timestamp()
                FROM per_member p
                WHERE b.tenant_id = \(tenant.rawValue) AND b.member_id = p.member_id
                RETURNING b.member_id, b.event_sequence, b.available, b.pending, p.points
            ), events AS (
                INSERT INTO domain_events (tenant_id, member_id, sequence, type, data, trace_parent)
                SELECT \(tenant.rawValue), a.member_id, a.event_sequence, 'points.expired',
                       jsonb_build_object('member', m.external_id, 'points', a.points, 'available', a.available,
                                          'pending', a.pending), \(TraceParent.current)
                FROM balances_after a JOIN members m ON m.tenant_id = \(tenant.rawValue) AND m.id = a.member_id
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM expired)::bigint, (SELECT count(*) FROM events)::bigint,
                   (SELECT coalesce(sum(points), 0) FROM per_member)::bigint
            """
        )
        for try await (expired, _, points) in rows.decode((Int64, Int64, Int64).self) {
            PointsMetrics.expired.increment(by: points)
            return Int(expired)
        }
        return 0
    }

    /// Records a `points.expiring` event for each member and expiry day that falls within one of
    /// the program's reminder windows (e.g. 30 and 7 days), once per (member, day, window): the
    /// `expiry_reminders` key makes a second sweep send nothing. When several windows are
    /// reached at once (points earned late), only the nearest one is sent. Returns how many
    /// events it recorded.
    public func remindExpiring(now: Date = Date()) async throws -> Int {
        let program = try await program()
        let windows = program.expiry.reminderDays.map(Int.init).sorted()
        guard let widest = windows.last else { return 0 }
        let sent = try await query(
            """
            WITH due AS (
                SELECT member_id,
                       ((expires_at AT TIME ZONE \(program.timeZone))::date - date '1970-01-01') AS expires_on,
                       min(expires_at) AS expires_at, sum(remaining)::bigint AS points
                FROM point_lots
                WHERE tenant_id = \(tenant.rawValue) AND state = 'available' AND remaining > 0
                  AND expires_at > \(now) AND expires_at <= \(now) + \(widest) * interval '1 day'
                GROUP BY 1, 2
            )
            INSERT INTO expiry_reminders (tenant_id, member_id, expires_on, days_before, points)
            SELECT \(tenant.rawValue), due.member_id, due.expires_on, w.days, due.points
            FROM due CROSS JOIN unnest(\(windows)::int[]) AS w(days)
            WHERE due.expires_at <= \(now) + w.days * interval '1 day'
            ON CONFLICT DO NOTHING
            RETURNING member_id, expires_on, days_before, points
            """
        )
        // The nearest new window per (member, day).
        var nearest: [String: (member: UUID, day: Int, window: Int, points: Int64)] = [:]
        for try await (member, day, window, points) in sent.decode((UUID, Int, Int, Int64).self) {
            let key = "\(member):\(day)"
            if let known = nearest[key], known.window <= window { continue }
            nearest[key] = (member, day, window, points)
        }
        guard !nearest.isEmpty else { return 0 }
        let reminders = nearest.values.sorted { ($0.member.uuidString, $0.day) < ($1.member.uuidString, $1.day) }
        try await query(
            """
            SELECT 1 FROM balances WHERE tenant_id = \(tenant.rawValue) AND member_id = ANY(\(Array(Set(reminders.map(\.member)))))
            ORDER BY member_id FOR UPDATE
            """
        )
        let rows = try await query(
            """
            WITH reminder AS (
                SELECT * FROM unnest(\(reminders.map(\.member))::uuid[], \(reminders.map(\.day))::int[],
                                     \(reminders.map(\.window))::int[], \(reminders.map(\.points))::bigint[])
                       AS r(member_id, expires_on, days_before, points)
            ), numbered AS (
                SELECT r.*, row_number() OVER (PARTITION BY member_id ORDER BY expires_on) AS n,
                       count(*) OVER (PARTITION BY member_id) AS total
                FROM reminder r
            ), sequences AS (
                UPDATE balances b SET event_sequence = b.event_sequence + c.total
                FROM (SELECT DISTINCT member_id, total FROM numbered) c
                WHERE b.tenant_id = \(tenant.rawValue) AND b.member_id = c.member_id
                RETURNING b.member_id, b.event_sequence - c.total AS base
            )
            INSERT INTO domain_events (tenant_id, member_id, sequence, type, data, trace_parent)
            SELECT \(tenant.rawValue), n.member_id, s.base + n.n, 'points.expiring',
                   jsonb_build_object('member', m.external_id, 'points', n.points, 'days_before', n.days_before,
                                      'expires_on', to_char(date '1970-01-01' + n.expires_on, 'YYYY-MM-DD')),
                   \(TraceParent.current)
            FROM numbered n
            JOIN sequences s ON s.member_id = n.member_id
            JOIN members m ON m.tenant_id = \(tenant.rawValue) AND m.id = n.member_id
            RETURNING 1
            """
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
