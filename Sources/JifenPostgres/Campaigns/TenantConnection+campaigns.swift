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
                INSERT INTO campaigns (tenant_id, id, kind, name, points, reason_code, send_events, filter, created_at,
                                       holdout_percent, evaluation_days)
                VALUES (\(tenant.rawValue), \(id), 'grant', \(draft.name), \(points), \(reasonCode), \(sendEvents),
                        \(filterJSON)::jsonb, \(now), \(Int32(draft.holdoutPercent)), \(Int32(draft.evaluationDays)))
                """
            )
            try await targetMembers(id, filter: filter, holdoutPercent: draft.holdoutPercent, now: now)
        case .coupons(let template, let count, let interval, let filter):
            guard try await couponTemplate(template) != nil else {
                throw JifenError.invalid("coupons.template", "no coupon template '\(template.uuidString.lowercased())'")
            }
            let filterJSON = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
            try await query(
                """
                INSERT INTO campaigns (tenant_id, id, kind, name, filter, coupon_template_id, coupon_count,
                                       coupon_interval_months, created_at, holdout_percent, evaluation_days)
                VALUES (\(tenant.rawValue), \(id), 'coupons', \(draft.name), \(filterJSON)::jsonb, \(template), \(count),
                        \(interval), \(now), \(Int32(draft.holdoutPercent)), \(Int32(draft.evaluationDays)))
                """
            )
            try await targetMembers(id, filter: filter, holdoutPercent: draft.holdoutPercent, now: now)
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

    /// Fixes a segment campaign's members now (those matching `filter`) and queues the
    /// `campaigns.run` job that serves them in batches.
    private func targetMembers(_ id: UUID, filter: MemberFilter, holdoutPercent: Int64, now: Date) async throws {
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
        if holdoutPercent > 0 {
            // Held out by the stable hash of campaign and member (Holdout): tracked, never served.
            let rows = try await query(
                "SELECT member_id FROM campaign_members WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id)"
            )
            var heldOut: [UUID] = []
            for try await member in rows.decode(UUID.self)
            where Holdout.isHeldOut(scope: id, member: member, sharePercent: holdoutPercent) {
                heldOut.append(member)
            }
            try await query(
                """
                UPDATE campaign_members SET held_out = true
                WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id) AND member_id = ANY(\(heldOut))
                """
            )
        }
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
        try await enqueue(.runCampaign, payload: #"{"campaign_id":"\#(id.uuidString.lowercased())"}"#)
    }

    public func campaign(_ id: UUID) async throws -> Campaign? {
        let rows = try await query(
            """
            SELECT id, kind, name, points, reason_code, send_events, filter::text, total, done, completed_at,
                   multiplier_percent, category, starts_at, ends_at, created_at, coupon_template_id, coupon_count,
                   coupon_interval_months, holdout_percent, evaluation_days,
                   (SELECT count(*)::int FROM campaign_members cm WHERE cm.tenant_id = campaigns.tenant_id
                                                                 AND cm.campaign_id = campaigns.id AND cm.held_out)
            FROM campaigns WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        for try await row in rows {
            let c = row.makeRandomAccess()
            let kind: CampaignDraft.Kind
            let kindText = try c.value(1, String.self)
            if kindText == "coupons" {
                kind = .coupons(
                    template: try c.value(15, UUID.self),
                    count: try c.value(16, Int.self),
                    intervalMonths: try c.value(17, Int.self),
                    filter: try JSONDecoder().decode(MemberFilter.self, from: Data(try c.value(6, String.self).utf8))
                )
            } else if kindText == "grant" {
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
                createdAt: try c.value(14, Date.self),
                holdoutPercent: try c.value(18, Int64.self),
                evaluationDays: try c.value(19, Int64.self),
                heldOut: try c.value(20, Int.self)
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
        guard let campaign = try await campaign(id) else { return 0 }
        switch campaign.kind {
        case .grant, .coupons: break
        case .multiplier: return 0
        }
        let due = try await query(
            """
            SELECT member_id, held_out FROM campaign_members
            WHERE tenant_id = \(tenant.rawValue) AND campaign_id = \(id) AND granted_at IS NULL
            ORDER BY member_id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """
        )
        var members: [UUID] = []
        var heldOut: Set<UUID> = []
        for try await (member, held) in due.decode((UUID, Bool).self) {
            members.append(member)
            if held { heldOut.insert(member) }
        }
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
        // Held-out members are marked done with the others and given nothing.
        for memberID in members where !heldOut.contains(memberID) {
            let member = try await lockMember(memberID)
            try await serve(campaign, member: member, program: program, now: now)
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

    /// What a segment campaign gives one member: points (a lot, an `adjust` entry keyed per
    /// campaign and member, and if asked a `points.adjusted` event), or coupons (keyed per
    /// campaign, member and number, so a batch redone after a crash issues none twice).
    private func serve(_ campaign: Campaign, member: MemberPoints, program: Program, now: Date) async throws {
        let campaignRef = campaign.id.uuidString.lowercased()
        let memberRef = member.id.uuidString.lowercased()
        switch campaign.kind {
        case .grant(let points, let reasonCode, let sendEvents, _):
            let balance = try await grantLot(
                member,
                points: points,
                source: .campaign,
                key: "campaign:\(campaignRef):\(memberRef)",
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
        case .coupons(let template, let count, let interval, _):
            for n in 0..<count {
                let issue = CouponIssue(
                    template: template,
                    key: "campaign:\(campaignRef):\(memberRef):\(n)",
                    source: .campaign,
                    sourceRef: campaignRef,
                    startingAfterMonths: n * interval
                )
                do {
                    _ = try await issueCoupon(issue, to: member, program: program, now: now)
                } catch let error as JifenError where [.conflict, .outOfStock].contains(error.code) {
                    // Out of stock, disabled or over the member's limit: this member gets fewer, the
                    // campaign goes on (decided before any write, so the transaction is intact).
                    logger.info(
                        "campaign coupon not issued",
                        metadata: [
                            "campaign": "\(campaignRef)", "member": "\(member.externalID)", "why": "\(error.detail)",
                        ]
                    )
                }
            }
        case .multiplier: return
        }
    }
}
