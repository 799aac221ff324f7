import Foundation
import JifenCore
import PostgresNIO

// Evaluation: per cycle and step, the members who reached it, split by arm (held out or not:
// intention to treat, so a member the step skipped because it had bought stays in its arm), and
// who of them bought within the evaluation window after it. Read from journey_steps and orders
// at query time: there is no materialisation to drift.
extension TenantConnection {
    public func journeyResults(_ journey: Journey) async throws -> [StepResult] {
        let window = TimeInterval(journey.draft.evaluationDays) * 86_400
        let rows = try await query(
            """
            SELECT s.cycle, s.step, min(s.action), s.held_out, count(*)::int,
                   count(*) FILTER (WHERE r.revenue IS NOT NULL)::int, coalesce(sum(r.revenue), 0)::bigint,
                   coalesce(sum(s.points), 0)::bigint
            FROM journey_steps s
            LEFT JOIN LATERAL (
                SELECT sum(o.amount) AS revenue FROM orders o
                WHERE o.tenant_id = s.tenant_id AND o.member_id = s.member_id AND o.paid_at IS NOT NULL
                  AND o.status <> 'cancelled' AND o.paid_at > s.performed_at
                  AND o.paid_at <= s.performed_at + make_interval(secs => \(window))
                HAVING count(*) > 0
            ) r ON true
            WHERE s.tenant_id = \(tenant.rawValue) AND s.journey_id = \(journey.id)
            GROUP BY s.cycle, s.step, s.held_out
            ORDER BY s.cycle, s.step, s.held_out
            """
        )
        var arms: [String: (action: String, stimulated: ArmOutcome?, holdout: ArmOutcome?)] = [:]
        var order: [String] = []
        for try await (cycle, step, action, heldOut, members, responders, revenue, points) in rows.decode(
            (Int, Int, String, Bool, Int, Int, Int64, Int64).self
        ) {
            let key = "\(cycle):\(step)"
            if arms[key] == nil {
                arms[key] = (action, nil, nil)
                order.append(key)
            }
            let outcome = ArmOutcome(members: members, responders: responders, revenue: revenue, pointsCost: points)
            if heldOut { arms[key]?.holdout = outcome } else { arms[key]?.stimulated = outcome }
        }
        let empty = ArmOutcome(members: 0, responders: 0, revenue: 0, pointsCost: 0)
        return order.compactMap { key in
            guard let arm = arms[key] else { return nil }
            let parts = key.split(separator: ":").compactMap { Int($0) }
            let stimulated = arm.stimulated ?? empty
            let holdout = arm.holdout ?? empty
            return StepResult(
                cycle: parts[0],
                step: parts[1],
                action: arm.action,
                stimulated: stimulated,
                holdout: holdout,
                estimate: Lift.estimate(stimulated: stimulated, holdout: holdout)
            )
        }
    }
}

extension TenantConnection {
    /// A segment campaign's evaluation: its members served against those held out, responders
    /// being those who bought within `evaluation_days` of the campaign's creation.
    public func campaignResults(_ campaign: Campaign) async throws -> (stimulated: ArmOutcome, holdout: ArmOutcome) {
        let points: Int64
        switch campaign.kind {
        case .grant(let granted, _, _, _): points = granted
        case .coupons, .multiplier: points = 0
        }
        let until = campaign.createdAt.addingTimeInterval(TimeInterval(campaign.evaluationDays) * 86_400)
        let rows = try await query(
            """
            SELECT cm.held_out, count(*)::int, count(*) FILTER (WHERE r.revenue IS NOT NULL)::int,
                   coalesce(sum(r.revenue), 0)::bigint
            FROM campaign_members cm
            LEFT JOIN LATERAL (
                SELECT sum(o.amount) AS revenue FROM orders o
                WHERE o.tenant_id = cm.tenant_id AND o.member_id = cm.member_id AND o.paid_at IS NOT NULL
                  AND o.status <> 'cancelled' AND o.paid_at > \(campaign.createdAt) AND o.paid_at <= \(until)
                HAVING count(*) > 0
            ) r ON true
            WHERE cm.tenant_id = \(tenant.rawValue) AND cm.campaign_id = \(campaign.id)
            GROUP BY cm.held_out
            """
        )
        var stimulated = ArmOutcome(members: 0, responders: 0, revenue: 0, pointsCost: 0)
        var holdout = stimulated
        for try await (heldOut, members, responders, revenue) in rows.decode((Bool, Int, Int, Int64).self) {
            let outcome = ArmOutcome(
                members: members,
                responders: responders,
                revenue: revenue,
                pointsCost: heldOut ? 0 : points * Int64(members)
            )
            if heldOut { holdout = outcome } else { stimulated = outcome }
        }
        return (stimulated, holdout)
    }
}
