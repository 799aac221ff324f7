import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func checkIn(_ input: Operations.CheckIn.Input) async throws -> Operations.CheckIn.Output {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard let (checkIn, created) = try await withTenant({ try await $0.checkIn(member: member) }) else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        let schema = Components.Schemas.CheckIn(checkIn)
        return created ? .created(.init(body: .json(schema))) : .conflict(.init(body: .json(schema)))
    }

    public func createSchedule(_ input: Operations.CreateSchedule.Input) async throws
        -> Operations.CreateSchedule.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try ScheduleDraft.validate(
            total: body.totalPoints,
            installments: body.installments,
            period: ScheduleDraft.Period(rawValue: body.period.rawValue) ?? .month,
            start: body.start,
            reason: body.reason,
            sourceReference: body.sourceReference
        )
        guard let schedule = try await withTenant({ try await $0.createSchedule(member: member, draft) }) else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        logger.info("schedule created", metadata: ["schedule": "\(schedule.id)", "points": "\(schedule.totalPoints)"])
        return .created(.init(body: .json(.init(schedule))))
    }

    public func listSchedules(_ input: Operations.ListSchedules.Input) async throws -> Operations.ListSchedules.Output {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { connection -> Page<Schedule>? in
            guard let member = try await connection.member(externalID) else { return nil }
            return try await connection.schedules(member: member.id, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.Schedule.init), nextCursor: page.nextCursor?.encoded)
                )
            )
        )
    }

    public func cancelSchedule(_ input: Operations.CancelSchedule.Input) async throws
        -> Operations.CancelSchedule.Output
    {
        let id = try Self.lookupUUID(input.path.schedule, kind: "schedule")
        guard let schedule = try await withTenant({ try await $0.cancelSchedule(id) }) else {
            throw JifenError.notFound("no schedule '\(input.path.schedule)'")
        }
        return .ok(.init(body: .json(.init(schedule))))
    }
}
