import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func upsertMember(_ input: Operations.UpsertMember.Input) async throws -> Operations.UpsertMember.Output {
        let externalID = try ExternalID(input.path.member, field: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let profile = try MemberProfile.validate(email: body.email, phone: body.phone, name: body.name, tags: body.tags)
        let (member, created, tiers) = try await withTenant { connection in
            let (member, created) = try await connection.upsertMember(externalID, profile: profile)
            return (member, created, try await connection.program().tiers)
        }
        let schema = Components.Schemas.Member(member, tiers: tiers)
        return created ? .created(.init(body: .json(schema))) : .ok(.init(body: .json(schema)))
    }

    public func getMember(_ input: Operations.GetMember.Input) async throws -> Operations.GetMember.Output {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let found = try await withTenant { connection -> (Member, TierRules?, TierStanding?, [CategoryRepurchase])? in
            guard let member = try await connection.member(externalID) else { return nil }
            let program = try await connection.program()
            let repurchase = program.repurchase == nil ? [] : try await connection.repurchase(member: member.id)
            return (member, program.tiers, try await connection.tierStanding(member, program: program), repurchase)
        }
        guard let (member, tiers, standing, repurchase) = found else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        var schema = Components.Schemas.Member(member, tiers: tiers, standing: standing)
        if !repurchase.isEmpty {
            schema.repurchase = repurchase.map {
                .init(
                    category: $0.category,
                    lastOrderAt: $0.lastOrderAt,
                    nextExpectedPurchase: $0.nextExpectedAt,
                    lapsing: $0.lapsing
                )
            }
        }
        return .ok(.init(body: .json(schema)))
    }

    public func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let query = input.query
        let filter = MemberFilter(
            tag: query.tag,
            tier: query.tier,
            minOrders: query.minOrders,
            maxOrders: query.maxOrders,
            minSpend: query.minSpend,
            maxSpend: query.maxSpend,
            inactiveDays: query.inactiveDays,
            lapsingCategory: query.lapsingCategory
        )
        // Query parameters, so a 400 (not a body's 422), naming each one.
        let invalid = filter.invalidFields
        guard invalid.isEmpty else {
            throw JifenError(.badRequest, invalid.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
        }
        let (page, tiers) = try await withTenant { connection in
            let tiers = try await connection.program().tiers
            return (try await connection.members(limit: limit, after: cursor, filter: filter, tiers: tiers), tiers)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map { Components.Schemas.Member($0, tiers: tiers) },
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func listLedgerEntries(_ input: Operations.ListLedgerEntries.Input) async throws
        -> Operations.ListLedgerEntries.Output
    {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let filter = LedgerFilter(kind: input.query.kind?.rawValue, since: input.query.since, until: input.query.until)
        let page = try await withTenant { connection -> Page<LedgerEntry>? in
            guard let member = try await connection.member(externalID) else { return nil }
            return try await connection.ledger(member: member.id, filter: filter, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.LedgerEntry.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    /// An id that could never have been stored names nothing: 404, not a validation error.
    static func lookupID(_ text: String, kind: String) throws(JifenError) -> ExternalID {
        do {
            return try ExternalID(text)
        } catch {
            throw JifenError.notFound("no \(kind) '\(text)'")
        }
    }

    /// The same for ids Jifen issued (redemptions, schedules, endpoints, keys): not a UUID, 404.
    static func lookupUUID(_ text: String, kind: String) throws(JifenError) -> UUID {
        guard let id = UUID(uuidString: text) else { throw JifenError.notFound("no \(kind) '\(text)'") }
        return id
    }

    /// An id in a request body: not a UUID is a 422 naming the field (the contract checks the
    /// format first; this keeps the handler honest without `!`).
    static func bodyUUID(_ text: String, field: String) throws(JifenError) -> UUID {
        guard let id = UUID(uuidString: text) else { throw JifenError.invalid(field, "must be a UUID") }
        return id
    }
}
