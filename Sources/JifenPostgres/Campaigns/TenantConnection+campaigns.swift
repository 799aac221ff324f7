import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Creates a campaign. A grant fixes its targets now — the members matching the filter —
    /// and queues the `campaigns.run` job that grants them in batches; a multiplier only needs
    /// to exist: scoring reads the campaigns running when each order was paid.
    public func createCampaign(_ draft: CampaignDraft, now: Date = Date()) async throws -> Campaign {
        let id = UUID()
        switch draft.kind {
        case .grant(let points, let reasonCode, let sendEvents, let filter):
            let filterJSON = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
            try await query(
                """
                INSERT INTO campaigns (tenant_id, id, kind, name, points, reason_code, send_events, filter, created_at)
                VALUES (\(tenant.rawValue), \(id), 'grant', \(draft.name), \(points), \(reasonCode), \(sendEvents),
                        \(filterJSON)::jsonb, \(now))
                """
            )
            // A UUID's text is safe to splice: hex digits and dashes only.
            try await filteredMembers(
                """
                INSERT INTO campaign_members (tenant_id, campaign_id, member_id)
                SELECT m.tenant_id, '\(id.uuidString.lowercased())'::uuid, m.id FROM members m
                """,
                filter: filter,
                tiers: try await program().tiers,
                now: now
            )
            try await query(
                """
                UPDATE campaigns SET total = (SELECT count(*) FROM campaign_members
                                              WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id)),
                                     completed_at = CASE WHEN EXISTS (SELECT 1 FROM campaign_members
                                                                      WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id))
                                                         THEN NULL ELSE \(now) END
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
                """
            )
            try await enqueue(
                .runCampaign,
                payload: #"{"campaign_id":"\#(id.uuidString.lowercased())"}"#
            )
        case .multiplier(let percent, let category, let startsAt, let endsAt):
            try await query(
                """
                INSERT INTO campaigns (tenant_id, id, kind, name, multiplier_percent, category, starts_at, ends_at,
                                       created_at)
                VALUES (\(tenant.rawValue), \(id), 'multiplier', \(draft.name), \(percent), \(category), \(startsAt),
                        \(endsAt), \(now))
                """
            )
        }
        guard let campaign = try await campaign(id) else {
            throw JifenError(.internalError, "campaign \(id) vanished after its insert")
        }
        return campaign
    }

    public func campaign(_ id: UUID) async throws -> Campaign? {
        let rows = try await query(
            """
            SELECT id, kind, name, points, reason_code, send_events, filter::text, total, done, completed_at,
                   multiplier_percent, category, starts_at, ends_at, created_at
            FROM campaigns WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        for try await row in rows {
            let c = row.makeRandomAccess()
            let kind: CampaignDraft.Kind
            if try c.value(1, String.self) == "grant" {
                kind = .grant(
                    points: try c.value(3, Int64.self),
                    reasonCode: try c.value(4, String.self),
                    sendEvents: try c.value(5, Bool.self),
                    filter: try JSONDecoder().decode(MemberFilter.self, from: Data(try c.value(6, String.self).utf8))
                )
            } else {
                kind = .multiplier(
                    percent: try c.value(10, Int64.self),
                    category: try c.value(11, String?.self),
                    startsAt: try c.value(12, Date.self),
                    endsAt: try c.value(13, Date.self)
                )
            }
            return Campaign(
                id: try c.value(0, UUID.self),
                name: try c.value(2, String.self),
                kind: kind,
                done: try c.value(8, Int.self),
                total: try c.value(7, Int.self),
                completedAt: try c.value(9, Date?.self),
                createdAt: try c.value(14, Date.self)
            )
        }
        return nil
    }

    /// Grants the next `limit` members of a grant campaign not granted yet, in one transaction
    /// (the caller's): a lot, an `adjust` entry (source `campaign`, key per campaign and member)
    /// and, if asked, a `points.adjusted` event each. Rows another worker is granting are
    /// skipped, not waited for. Returns how many it granted; 0 when none are left, and the
    /// campaign is then complete.
    public func grantCampaignBatch(_ id: UUID, limit: Int = 500, now: Date = Date()) async throws -> Int {
        guard let campaign = try await campaign(id),
            case .grant(let points, let reasonCode, let sendEvents, _) = campaign.kind
        else { return 0 }
        let due = try await query(
            """
            SELECT member_id FROM campaign_members
            WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id) AND granted_at IS NULL
            ORDER BY member_id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """
        )
        var members: [UUID] = []
        for try await member in due.decode(UUID.self) { members.append(member) }
        if members.isEmpty {
            try await query(
                """
                UPDATE campaigns SET completed_at = coalesce(completed_at, \(now))
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
                  AND NOT EXISTS (SELECT 1 FROM campaign_members WHERE tenant_id = \(tenant.rawValue)
                                  AND campaign_id = \(id) AND granted_at IS NULL)
                """
            )
            return 0
        }
        let program = try await program()
        let campaignRef = id.uuidString.lowercased()
        for memberID in members {
            let member = try await lockMember(memberID)
            let balance = try await grantLot(
                member,
                points: points,
                source: .campaign,
                key: "campaign:\(campaignRef):\(memberID.uuidString.lowercased())",
                sourceRef: campaignRef,
                reason: reasonCode,
                description: campaign.name,
                program: program,
                now: now
            )
            if sendEvents {
                try await recordEvent(
                    member,
                    PointsEvent(
                        .adjusted,
                        points: points,
                        available: balance.available,
                        pending: balance.pending,
                        reasonCode: reasonCode,
                        campaign: campaignRef
                    )
                )
            }
        }
        try await query(
            """
            UPDATE campaign_members SET granted_at = \(now)
            WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id) AND member_id = ANY(\(members))
            """
        )
        try await query(
            """
            UPDATE campaigns SET done = done + \(members.count),
                                 completed_at = CASE WHEN done + \(members.count) >= total THEN \(now) END
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        return members.count
    }
}
