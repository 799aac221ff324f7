import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createRedemption(_ input: Operations.CreateRedemption.Input) async throws
        -> Operations.CreateRedemption.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        var validator = Validator()
        validator.text(body.orderReference, "order_reference", max: 128)
        try validator.finish()
        let request = RedemptionRequest(
            points: body.points,
            orderReference: body.orderReference,
            orderTotal: body.orderTotal
        )
        guard let redemption = try await withTenant({ try await $0.placeHold(member: member, request) }) else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        logger.info("points held", metadata: ["redemption": "\(redemption.id)", "points": "\(redemption.points)"])
        return .created(.init(body: .json(.init(redemption))))
    }

    public func getRedemption(_ input: Operations.GetRedemption.Input) async throws -> Operations.GetRedemption.Output {
        let id = try Self.lookupUUID(input.path.redemption, kind: "redemption")
        guard let redemption = try await withTenant({ try await $0.redemption(id) }) else {
            throw JifenError.notFound("no redemption '\(input.path.redemption)'")
        }
        return .ok(.init(body: .json(.init(redemption))))
    }

    public func captureRedemption(_ input: Operations.CaptureRedemption.Input) async throws
        -> Operations.CaptureRedemption.Output
    {
        let id = try Self.lookupUUID(input.path.redemption, kind: "redemption")
        guard let redemption = try await withTenant({ try await $0.capture(redemption: id) }) else {
            throw JifenError.notFound("no redemption '\(input.path.redemption)'")
        }
        return .ok(.init(body: .json(.init(redemption))))
    }

    public func releaseRedemption(_ input: Operations.ReleaseRedemption.Input) async throws
        -> Operations.ReleaseRedemption.Output
    {
        let id = try Self.lookupUUID(input.path.redemption, kind: "redemption")
        guard let redemption = try await withTenant({ try await $0.release(redemption: id) }) else {
            throw JifenError.notFound("no redemption '\(input.path.redemption)'")
        }
        return .ok(.init(body: .json(.init(redemption))))
    }

    public func createAdjustment(_ input: Operations.CreateAdjustment.Input) async throws
        -> Operations.CreateAdjustment.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let request = try AdjustmentRequest.validate(
            points: body.points,
            reasonCode: body.reasonCode,
            note: body.note,
            actor: body.actor
        )
        let made = try await withTenant { connection -> Adjustment? in
            guard let adjustment = try await connection.adjust(member: member, request) else { return nil }
            try await connection.recordAudit(.pointsAdjusted, member: member, after: AuditedAdjustment(adjustment))
            return adjustment
        }
        guard let adjustment = made else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        logger.info(
            "points adjusted",
            metadata: ["member": "\(member)", "points": "\(request.points)", "reason_code": "\(request.reasonCode)"]
        )
        return .created(.init(body: .json(.init(adjustment))))
    }

    public func recordActivity(_ input: Operations.RecordActivity.Input) async throws
        -> Operations.RecordActivity.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        var validator = Validator()
        if !ActivityRule.isValidType(body._type) {
            validator.fail("type", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
        }
        let externalID = validator.check { () throws(JifenError) in
            try ExternalID(body.externalId, field: "external_id")
        }
        var metadata = "{}"
        if let object = body.metadata {
            metadata = String(decoding: try JSONEncoder().encode(object), as: UTF8.self)
            if metadata.utf8.count > 4096 { validator.fail("metadata", "must be at most 4 KiB as JSON") }
            if metadata.contains("\\u0000") { validator.fail("metadata", "must not contain NUL characters") }
        }
        try validator.finish()
        guard let externalID else { throw JifenError(.internalError, "validation lost a field") }
        let draft = ActivityDraft(
            type: body._type,
            externalID: externalID,
            occurredAt: body.occurredAt,
            metadata: metadata
        )
        guard let (activity, created) = try await withTenant({ try await $0.recordActivity(member: member, draft) })
        else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        let schema = Components.Schemas.Activity(activity)
        return created ? .created(.init(body: .json(schema))) : .ok(.init(body: .json(schema)))
    }

    public func listLots(_ input: Operations.ListLots.Input) async throws -> Operations.ListLots.Output {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let state = input.query.state?.rawValue
        let page = try await withTenant { connection -> Page<Lot>? in
            guard let member = try await connection.member(externalID) else { return nil }
            return try await connection.lots(member: member.id, state: state, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.Lot.init), nextCursor: page.nextCursor?.encoded)
                )
            )
        )
    }
}

/// An adjustment as the audit log keeps it: without the member's external id, which the entry
/// names by the member's Jifen id instead (it outlives an erasure).
struct AuditedAdjustment: Encodable, Sendable {
    var id: String
    var points: Int64
    var reasonCode: String
    var note: String?
    var actor: String?

    init(_ adjustment: Adjustment) {
        id = adjustment.id.uuidString.lowercased()
        points = adjustment.points
        reasonCode = adjustment.reasonCode
        note = adjustment.note
        actor = adjustment.actor
    }

    enum CodingKeys: String, CodingKey {
        case id, points, reasonCode = "reason_code", note, actor
    }
}
