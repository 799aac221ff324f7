import Foundation
import JifenCore
import JifenPostgres

extension Components.Schemas.Wallet {
    init(_ wallet: WalletBalance) {
        self.init(
            currency: wallet.currency.code,
            principal: wallet.principal,
            bonus: wallet.bonus,
            available: wallet.principal + wallet.bonus,
            held: wallet.held,
            lifetimeToppedUp: wallet.lifetimeToppedUp,
            lifetimeBonus: wallet.lifetimeBonus,
            lifetimeSpent: wallet.lifetimeSpent,
            upcoming: wallet.upcoming.map(Components.Schemas.WalletInstallment.init)
        )
    }
}

extension Components.Schemas.WalletInstallment {
    init(_ installment: WalletInstallment) {
        self.init(
            topUp: installment.topUp.uuidString.lowercased(),
            number: installment.number,
            dueAt: installment.dueAt,
            amount: installment.amount,
            state: .init(rawValue: installment.state.rawValue) ?? .upcoming,
            paidAt: installment.paidAt
        )
    }
}

extension Components.Schemas.WalletTouch {
    init(_ touch: WalletTouch) {
        self.init(
            lotId: touch.lotID.uuidString.lowercased(),
            part: .init(rawValue: touch.part.rawValue) ?? .principal,
            amount: touch.amount
        )
    }
}

extension Components.Schemas.WalletEntry {
    init(_ entry: WalletEntry) {
        self.init(
            id: entry.id.uuidString.lowercased(),
            currency: entry.currency.code,
            kind: .init(rawValue: entry.kind) ?? .topUp,
            principalDelta: entry.principalDelta,
            bonusDelta: entry.bonusDelta,
            heldDelta: entry.heldDelta,
            sourceRef: entry.sourceRef,
            description: entry.description,
            touches: entry.touches.map(Components.Schemas.WalletTouch.init),
            createdAt: entry.createdAt
        )
    }
}

extension Components.Schemas.TopUpOffer {
    init(_ offer: TopUpOffer) {
        self.init(
            code: offer.code,
            minimumAmount: offer.minimumAmount,
            bonus: offer.bonus,
            installments: offer.installments,
            period: .init(rawValue: offer.period.rawValue),
            remainderFirst: offer.remainderFirst,
            bonusExpiresDays: offer.bonusExpiresDays
        )
    }
}

extension Components.Schemas.WalletTopUp {
    init(_ topUp: JifenPostgres.WalletTopUp) {
        self.init(
            id: topUp.id.uuidString.lowercased(),
            member: topUp.member,
            currency: topUp.currency.code,
            externalId: topUp.externalID,
            amount: topUp.amount,
            offer: topUp.offer.map(Components.Schemas.TopUpOffer.init),
            bonusTotal: topUp.bonusTotal,
            state: .init(rawValue: topUp.state.rawValue) ?? .active,
            installments: topUp.installments.map(Components.Schemas.WalletInstallment.init),
            refund: topUp.refund.map { decision in
                .init(
                    policy: .init(rawValue: (topUp.refundPolicy ?? .deductSpentBonus).rawValue) ?? .deductSpentBonus,
                    returnedToMember: decision.returnedToMember,
                    principalRemoved: decision.principalRemoved,
                    bonusRemoved: decision.bonusRemoved,
                    spentBonusDeducted: decision.spentBonusDeducted,
                    spentBonusForgiven: decision.spentBonusForgiven
                )
            },
            refundedAt: topUp.refundedAt,
            createdAt: topUp.createdAt
        )
    }
}

extension Components.Schemas.WalletHold {
    init(_ hold: JifenPostgres.WalletHold) {
        self.init(
            id: hold.id.uuidString.lowercased(),
            member: hold.member,
            currency: hold.currency.code,
            amount: hold.amount,
            orderReference: hold.orderReference,
            state: .init(rawValue: hold.state.rawValue) ?? .held,
            fromPrincipal: hold.fromPrincipal,
            fromBonus: hold.fromBonus,
            returned: hold.returned,
            expiresAt: hold.expiresAt,
            capturedAt: hold.capturedAt,
            releasedAt: hold.releasedAt,
            createdAt: hold.createdAt
        )
    }
}
