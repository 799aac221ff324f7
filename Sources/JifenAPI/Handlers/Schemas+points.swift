import Foundation
import JifenCore
import JifenPostgres

// Conversions for the points engine's resources: lots, redemptions, adjustments, activities,
// refunds.

extension Components.Schemas.LotTouch {
    init(_ touch: LotTouch) {
        self.init(lotId: touch.lotID.uuidString.lowercased(), points: touch.points)
    }
}

extension Components.Schemas.Lot {
    init(_ lot: Lot) {
        self.init(
            id: lot.id.uuidString.lowercased(),
            source: .init(rawValue: lot.source) ?? .order,
            order: lot.order,
            points: lot.points,
            remaining: lot.remaining,
            state: .init(rawValue: lot.state) ?? .available,
            earnedAt: lot.earnedAt,
            availableAt: lot.availableAt,
            expiresAt: lot.expiresAt,
            programVersion: lot.programVersion,
            createdAt: lot.createdAt
        )
    }
}

extension Components.Schemas.Redemption {
    init(_ redemption: Redemption) {
        self.init(
            id: redemption.id.uuidString.lowercased(),
            member: redemption.member,
            points: redemption.points,
            value: redemption.value,
            currency: redemption.currency,
            orderReference: redemption.orderReference,
            state: .init(rawValue: redemption.state.rawValue) ?? .held,
            programVersion: redemption.programVersion,
            expiresAt: redemption.expiresAt,
            capturedAt: redemption.capturedAt,
            releasedAt: redemption.releasedAt,
            lots: redemption.lots.map(Components.Schemas.LotTouch.init),
            createdAt: redemption.createdAt
        )
    }
}

extension Components.Schemas.Adjustment {
    init(_ adjustment: Adjustment) {
        self.init(
            id: adjustment.id.uuidString.lowercased(),
            member: adjustment.member,
            points: adjustment.points,
            reasonCode: adjustment.reasonCode,
            note: adjustment.note,
            actor: adjustment.actor,
            lots: adjustment.lots.map(Components.Schemas.LotTouch.init),
            createdAt: adjustment.createdAt
        )
    }
}

extension Components.Schemas.Activity {
    init(_ activity: Activity) {
        self.init(
            id: activity.id.uuidString.lowercased(),
            member: activity.member,
            _type: activity.type,
            externalId: activity.externalID,
            occurredAt: activity.occurredAt,
            points: activity.points,
            reason: activity.reason.flatMap(ReasonPayload.init(rawValue:)),
            state: .init(rawValue: activity.state) ?? StatePayload.none,
            programVersion: activity.programVersion,
            createdAt: activity.createdAt
        )
    }
}

extension Components.Schemas.Refund {
    init(_ refund: Refund) {
        self.init(
            id: refund.id.uuidString.lowercased(),
            externalId: refund.externalID,
            order: refund.order,
            amount: refund.amount,
            currency: refund.currency,
            lines: refund.lines.map { .init(sku: $0.sku, quantity: $0.quantity) },
            pointsClawedBack: refund.pointsClawedBack,
            pointsForgiven: refund.pointsForgiven,
            createdAt: refund.createdAt
        )
    }
}

extension Components.Schemas.CheckIn {
    init(_ checkIn: CheckIn) {
        self.init(
            id: checkIn.id.uuidString.lowercased(),
            member: checkIn.member,
            day: checkIn.day,
            streak: checkIn.streak,
            points: checkIn.points,
            bonus: checkIn.bonus,
            programVersion: checkIn.programVersion,
            createdAt: checkIn.createdAt
        )
    }
}

extension Components.Schemas.Schedule {
    init(_ schedule: Schedule) {
        self.init(
            id: schedule.id.uuidString.lowercased(),
            member: schedule.member,
            totalPoints: schedule.totalPoints,
            period: .init(rawValue: schedule.period.rawValue) ?? .month,
            start: schedule.startAt,
            reason: schedule.reason,
            sourceReference: schedule.sourceReference,
            state: .init(rawValue: schedule.state.rawValue) ?? .active,
            installments: schedule.installments.map { installment in
                let state: Components.Schemas.ScheduleInstallment.StatePayload =
                    installment.grantedAt != nil ? .granted : (schedule.state == .cancelled ? .cancelled : .upcoming)
                return .init(
                    number: installment.number,
                    dueAt: installment.dueAt,
                    points: installment.points,
                    state: state,
                    grantedAt: installment.grantedAt
                )
            },
            createdAt: schedule.createdAt,
            cancelledAt: schedule.cancelledAt
        )
    }
}
