import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Grants points (a new lot, available at once) or deducts them (from the lots, first to
    /// expire first). A deduction never goes below zero: it throws `insufficient-points`.
    public func adjust(member externalID: ExternalID, _ request: AdjustmentRequest, now: Date = Date()) async throws
        -> Adjustment?
    {
        guard let memberRecord = try await member(externalID) else { return nil }
        let program = try await program()
        let member = try await lockMember(memberRecord.id)
        let id = UUID()
        var entry = LedgerWrite(
            member: member.id,
            at: now,
            kind: .adjust,
            source: .adjustment,
            available: request.points,
            key: "adjustment:\(id.uuidString.lowercased())",
            sourceRef: id.uuidString.lowercased(),
            programVersion: program.version,
            reason: request.reasonCode,
            actor: request.actor,
            description: request.note
        )
        if request.points > 0 {
            let lot = try await addLot(
                member: member.id,
                source: "adjustment",
                points: request.points,
                pending: false,
                earnedAt: now,
                availableAt: now,
                program: program
            )
            entry.lot = lot
            entry.lots = [LotTouch(lotID: lot, points: request.points)]
        } else {
            let wanted = -request.points
            guard member.available >= wanted else {
                throw JifenError(
                    .insufficientPoints,
                    "member '\(externalID)' has \(member.available) available points; cannot deduct \(wanted)"
                )
            }
            entry.lots = try await consumeLots(member: member.id, points: wanted)
        }
        try await append(entry)
        let balance = try await updateBalance(member.id, available: request.points)
        if request.points > 0 { try await settleDebt(member, now: now) }
        try await recordEvent(
            member,
            PointsEvent(
                .adjusted,
                points: request.points,
                available: balance.available,
                pending: balance.pending,
                reasonCode: request.reasonCode
            )
        )
        return Adjustment(
            id: id,
            member: member.externalID,
            points: request.points,
            reasonCode: request.reasonCode,
            note: request.note,
            actor: request.actor,
            lots: entry.lots,
            createdAt: now
        )
    }
}
