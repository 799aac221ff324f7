import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createJourney(_ input: Operations.CreateJourney.Input) async throws -> Operations.CreateJourney.Output {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try JourneyDraft(body)
        let journey = try await withTenant { connection in
            let journey = try await connection.createJourney(draft)
            try await connection.recordAudit(
                .journeyCreated,
                target: journey.id.uuidString.lowercased(),
                after: try Components.Schemas.Journey(journey)
            )
            return journey
        }
        logger.info("journey created", metadata: ["journey": "\(journey.id)", "members": "\(journey.members)"])
        return .created(.init(body: .json(try .init(journey))))
    }

    public func listJourneys(_ input: Operations.ListJourneys.Input) async throws -> Operations.ListJourneys.Output {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { try await $0.journeys(limit: limit, after: cursor) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: try page.items.map(Components.Schemas.Journey.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func getJourney(_ input: Operations.GetJourney.Input) async throws -> Operations.GetJourney.Output {
        let id = try Self.lookupUUID(input.path.journey, kind: "journey")
        guard let journey = try await withTenant({ try await $0.journey(id) }) else {
            throw JifenError.notFound("no journey '\(input.path.journey)'")
        }
        return .ok(.init(body: .json(try .init(journey))))
    }

    public func stopJourney(_ input: Operations.StopJourney.Input) async throws -> Operations.StopJourney.Output {
        let id = try Self.lookupUUID(input.path.journey, kind: "journey")
        let stopped = try await withTenant { connection -> Journey? in
            guard let old = try await connection.journey(id), let journey = try await connection.stopJourney(id) else {
                return nil
            }
            try await connection.recordAudit(
                .journeyStopped,
                target: id.uuidString.lowercased(),
                before: try Components.Schemas.Journey(old),
                after: try Components.Schemas.Journey(journey)
            )
            return journey
        }
        guard let journey = stopped else {
            throw JifenError.notFound("no journey '\(input.path.journey)'")
        }
        return .ok(.init(body: .json(try .init(journey))))
    }

    public func getJourneyResults(_ input: Operations.GetJourneyResults.Input) async throws
        -> Operations.GetJourneyResults.Output
    {
        let id = try Self.lookupUUID(input.path.journey, kind: "journey")
        let found = try await withTenant { connection -> (Journey, [StepResult])? in
            guard let journey = try await connection.journey(id) else { return nil }
            return (journey, try await connection.journeyResults(journey))
        }
        guard let (journey, results) = found else { throw JifenError.notFound("no journey '\(input.path.journey)'") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        journey: journey.id.uuidString.lowercased(),
                        evaluationDays: journey.draft.evaluationDays,
                        steps: results.map(Components.Schemas.JourneyStepResult.init)
                    )
                )
            )
        )
    }
}

// A journey's wire form and `JourneyDraft`'s Codable form are the same JSON, so the conversion
// goes through JSON (as the program's does), then through the draft's validation.
extension JourneyDraft {
    init(_ input: Components.Schemas.JourneyInput) throws(JifenError) {
        let decoded: JourneyDraft
        do {
            decoded = try JSONDecoder().decode(JourneyDraft.self, from: try JSONEncoder().encode(input))
        } catch let error as JifenError {
            throw error
        } catch {
            throw JifenError.invalid("entry", "is not a valid journey: \(error)")
        }
        self = try JourneyDraft.validate(
            name: decoded.name,
            entry: decoded.entry,
            steps: decoded.steps,
            cycles: decoded.cycles,
            holdoutPercent: decoded.holdoutPercent,
            evaluationDays: decoded.evaluationDays,
            exitOnPurchase: decoded.exitOnPurchase
        )
    }
}

extension Components.Schemas.Journey {
    init(_ journey: Journey) throws {
        var object =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(journey.draft)) as? [String: Any] ?? [:]
        object["id"] = journey.id.uuidString.lowercased()
        object["state"] = journey.state
        object["members"] = journey.members
        object["held_out"] = journey.heldOut
        object["created_at"] = journey.createdAt.timeIntervalSinceReferenceDate
        self = try JSONDecoder().decode(Self.self, from: JSONSerialization.data(withJSONObject: object))
    }
}

extension Components.Schemas.ArmOutcome {
    init(_ arm: ArmOutcome) {
        self.init(members: arm.members, responders: arm.responders, revenue: arm.revenue, pointsCost: arm.pointsCost)
    }
}

extension Components.Schemas.JourneyStepResult {
    init(_ result: StepResult) {
        let estimate = result.estimate
        self.init(
            cycle: result.cycle,
            step: result.step,
            action: .init(rawValue: result.action) ?? .message,
            stimulated: .init(result.stimulated),
            holdout: .init(result.holdout),
            stimulatedRate: estimate.stimulatedRate,
            holdoutRate: estimate.holdoutRate,
            lift: estimate.lift,
            low: estimate.low,
            high: estimate.high,
            revenuePerResponder: estimate.revenuePerResponder,
            pointsCostPerResponder: estimate.pointsCostPerResponder,
            incrementalRevenuePerPoint: estimate.incrementalRevenuePerPoint
        )
    }
}
