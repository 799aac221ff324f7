import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createCampaign(_ input: Operations.CreateCampaign.Input) async throws
        -> Operations.CreateCampaign.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try CampaignDraft(body)
        let campaign = try await withTenant { connection in
            let campaign = try await connection.createCampaign(draft)
            try await connection.recordAudit(
                .campaignCreated,
                target: campaign.id.uuidString.lowercased(),
                after: Components.Schemas.Campaign(campaign)
            )
            return campaign
        }
        logger.info("campaign created", metadata: ["campaign": "\(campaign.id)", "total": "\(campaign.total)"])
        return .created(.init(body: .json(.init(campaign))))
    }

    public func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        let id = try Self.lookupUUID(input.path.campaign, kind: "campaign")
        guard let campaign = try await withTenant({ try await $0.campaign(id) }) else {
            throw JifenError.notFound("no campaign '\(input.path.campaign)'")
        }
        return .ok(.init(body: .json(.init(campaign))))
    }

    public func getCampaignResults(_ input: Operations.GetCampaignResults.Input) async throws
        -> Operations.GetCampaignResults.Output
    {
        let id = try Self.lookupUUID(input.path.campaign, kind: "campaign")
        let found = try await withTenant { connection -> (Campaign, ArmOutcome, ArmOutcome)? in
            guard let campaign = try await connection.campaign(id) else { return nil }
            let (stimulated, holdout) = try await connection.campaignResults(campaign)
            return (campaign, stimulated, holdout)
        }
        guard let (campaign, stimulated, holdout) = found else {
            throw JifenError.notFound("no campaign '\(input.path.campaign)'")
        }
        let estimate = Lift.estimate(stimulated: stimulated, holdout: holdout)
        return .ok(
            .init(
                body: .json(
                    .init(
                        campaign: campaign.id.uuidString.lowercased(),
                        evaluationDays: campaign.evaluationDays,
                        stimulated: .init(stimulated),
                        holdout: .init(holdout),
                        stimulatedRate: estimate.stimulatedRate,
                        holdoutRate: estimate.holdoutRate,
                        lift: estimate.lift,
                        low: estimate.low,
                        high: estimate.high,
                        revenuePerResponder: estimate.revenuePerResponder,
                        pointsCostPerResponder: estimate.pointsCostPerResponder,
                        incrementalRevenuePerPoint: estimate.incrementalRevenuePerPoint
                    )
                )
            )
        )
    }
}

extension CampaignDraft {
    /// The wire form is flat (`kind` says which fields apply); each kind's required fields are
    /// checked here, naming every missing one.
    init(_ body: Components.Schemas.CampaignInput) throws(JifenError) {
        var missing: [String] = []
        switch body.kind {
        case .grant:
            if body.points == nil { missing.append("points") }
            if body.reasonCode == nil { missing.append("reason_code") }
        case .multiplier:
            if body.multiplierPercent == nil { missing.append("multiplier_percent") }
            if body.startsAt == nil { missing.append("starts_at") }
            if body.endsAt == nil { missing.append("ends_at") }
        case .coupons:
            if body.coupons == nil { missing.append("coupons") }
        }
        if !missing.isEmpty {
            throw JifenError.validation(
                missing.map { FieldError(field: $0, message: "is required for kind \(body.kind.rawValue)") }
            )
        }
        let kind: Kind
        let filter = MemberFilter(
            tag: body.filter?.tag,
            tier: body.filter?.tier,
            minOrders: body.filter?.minOrders,
            maxOrders: body.filter?.maxOrders,
            minSpend: body.filter?.minSpend,
            maxSpend: body.filter?.maxSpend,
            inactiveDays: body.filter?.inactiveDays,
            lapsingCategory: body.filter?.lapsingCategory
        )
        switch body.kind {
        case .grant:
            kind = .grant(
                points: body.points ?? 0,
                reasonCode: body.reasonCode ?? "",
                sendEvents: body.sendEvents ?? true,
                filter: filter
            )
        case .coupons:
            let coupons = body.coupons
            kind = .coupons(
                template: try APIHandler.bodyUUID(coupons?.template ?? "", field: "coupons.template"),
                count: coupons?.count ?? 1,
                intervalMonths: coupons?.intervalMonths ?? 0,
                filter: filter
            )
        case .multiplier:
            kind = .multiplier(
                percent: body.multiplierPercent ?? 0,
                category: body.category,
                startsAt: body.startsAt ?? Date(),
                endsAt: body.endsAt ?? Date()
            )
        }
        try self.init(
            name: body.name,
            kind: kind,
            holdoutPercent: body.holdoutPercent ?? 0,
            evaluationDays: body.evaluationDays ?? 30
        )
    }
}

extension Components.Schemas.Campaign {
    init(_ campaign: Campaign, now: Date = Date()) {
        let id = campaign.id.uuidString.lowercased()
        switch campaign.kind {
        case .grant(let points, let reasonCode, let sendEvents, let filter):
            self.init(
                id: id,
                kind: .grant,
                name: campaign.name,
                state: campaign.completedAt == nil ? .running : .completed,
                points: points,
                reasonCode: reasonCode,
                sendEvents: sendEvents,
                filter: .init(filter),
                progress: .init(done: campaign.done, total: campaign.total),
                completedAt: campaign.completedAt,
                holdoutPercent: campaign.holdoutPercent,
                evaluationDays: campaign.evaluationDays,
                heldOut: campaign.heldOut,
                createdAt: campaign.createdAt
            )
        case .coupons(let template, let count, let interval, let filter):
            self.init(
                id: id,
                kind: .coupons,
                name: campaign.name,
                state: campaign.completedAt == nil ? .running : .completed,
                filter: .init(filter),
                progress: .init(done: campaign.done, total: campaign.total),
                completedAt: campaign.completedAt,
                coupons: .init(template: template.uuidString.lowercased(), count: count, intervalMonths: interval),
                holdoutPercent: campaign.holdoutPercent,
                evaluationDays: campaign.evaluationDays,
                heldOut: campaign.heldOut,
                createdAt: campaign.createdAt
            )
        case .multiplier(let percent, let category, let startsAt, let endsAt):
            self.init(
                id: id,
                kind: .multiplier,
                name: campaign.name,
                state: now < startsAt ? .scheduled : now < endsAt ? .active : .ended,
                multiplierPercent: percent,
                category: category,
                startsAt: startsAt,
                endsAt: endsAt,
                createdAt: campaign.createdAt
            )
        }
    }
}

extension Components.Schemas.SegmentFilter {
    init(_ filter: MemberFilter) {
        self.init(
            tag: filter.tag,
            tier: filter.tier,
            minOrders: filter.minOrders,
            maxOrders: filter.maxOrders,
            minSpend: filter.minSpend,
            maxSpend: filter.maxSpend,
            inactiveDays: filter.inactiveDays,
            lapsingCategory: filter.lapsingCategory
        )
    }
}
