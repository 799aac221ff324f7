import Foundation
import JifenCore
import JifenPostgres

// Conversions between generated schema types and domain types, kept apart from the handlers
// so each handler reads as request → domain → response.

extension Components.Schemas.Tenant {
    /// `fallback` is the server's default, shown when the tenant has no limit of its own.
    init(_ tenant: Tenant, default fallback: RateLimit) {
        let limit = tenant.rateLimit ?? fallback
        self.init(
            id: tenant.id.description,
            name: tenant.name,
            createdAt: tenant.createdAt,
            rateLimit: .init(
                requestsPerSecond: limit.perSecond,
                burst: limit.burst,
                source: tenant.rateLimit == nil ? ._default : .tenant
            )
        )
    }
}

extension Components.Schemas.ApiKeyCreated {
    init(_ key: IssuedAPIKey) {
        self.init(
            id: key.id.uuidString.lowercased(),
            tenantId: key.tenant.description,
            name: key.name,
            scopes: key.scopes.compactMap { Components.Schemas.ApiScope(rawValue: $0.rawValue) },
            prefix: key.secret.prefix,
            secret: key.secret.value,
            createdAt: key.createdAt
        )
    }
}

extension Components.Schemas.Member {
    /// `tiers` names the member's level; `standing` (one member's read) adds its progress.
    init(_ member: Member, tiers: TierRules?, standing: TierStanding? = nil, now: Date = Date()) {
        self.init(
            id: member.id.uuidString.lowercased(),
            externalId: member.externalID.rawValue,
            email: member.profile.email,
            phone: member.profile.phone,
            name: member.profile.name,
            tags: member.profile.tags,
            referralCode: member.referralCode,
            balance: .init(member.balance),
            stats: .init(member.stats, now: now),
            tier: tiers.map { Components.Schemas.MemberTier(level: $0.level(code: member.tier.code), member: member) }
                .map { tier in standing.map { tier.with($0) } ?? tier },
            erasedAt: member.erasedAt,
            createdAt: member.createdAt,
            updatedAt: member.updatedAt
        )
    }
}

extension Components.Schemas.MemberStats {
    init(_ stats: MemberStats, now: Date) {
        self.init(
            orderCount: stats.orderCount,
            totalSpend: stats.totalSpend,
            averageOrderValue: stats.averageOrderValue,
            firstOrderAt: stats.firstOrderAt,
            lastOrderAt: stats.lastOrderAt,
            daysSinceLastOrder: stats.daysSinceLastOrder(now: now).map(Int.init),
            lapsed: stats.isLapsed,
            lapsedAt: stats.lapsedAt
        )
    }
}

extension Components.Schemas.MemberTier {
    init(level: TierRules.Level, member: Member) {
        self.init(
            code: level.code,
            name: level.name,
            since: member.tier.code == nil ? nil : member.tier.since,
            earnMultiplierPercent: level.earnMultiplierPercent,
            discountPercent: level.discountPercent,
            freeShipping: level.freeShipping,
            perks: level.perks
        )
    }

    /// Adds the progress only one member's read computes.
    func with(_ standing: TierStanding) -> Self {
        var tier = self
        tier.metric = .init(rawValue: standing.metric.rawValue)
        tier.value = standing.value
        tier.nextTier = standing.next?.code
        tier.nextThreshold = standing.next?.threshold
        tier.remaining = standing.next.map { max(0, $0.threshold - standing.value) }
        tier.keptUntil = standing.keptUntil
        return tier
    }
}

extension Components.Schemas.Balance {
    init(_ balance: Balance) {
        self.init(
            available: balance.available,
            pending: balance.pending,
            held: balance.held,
            lifetimeEarned: balance.lifetimeEarned,
            lifetimeRedeemed: balance.lifetimeRedeemed,
            lifetimeExpired: balance.lifetimeExpired,
            lifetimeReversed: balance.lifetimeReversed
        )
    }
}

extension Components.Schemas.LedgerEntry {
    init(_ entry: LedgerEntry) {
        self.init(
            id: entry.id.uuidString.lowercased(),
            kind: .init(rawValue: entry.kind) ?? .adjust,
            source: .init(rawValue: entry.source) ?? .order,
            sourceRef: entry.sourceRef,
            availableDelta: entry.availableDelta,
            pendingDelta: entry.pendingDelta,
            order: entry.order,
            programVersion: entry.programVersion,
            reason: entry.reason,
            actor: entry.actor,
            description: entry.description,
            lots: entry.lots.map(Components.Schemas.LotTouch.init),
            createdAt: entry.createdAt
        )
    }
}

extension Components.Schemas.OrderPoints {
    init(_ points: OrderPoints) {
        self.init(
            earned: points.earned,
            clawedBack: points.clawedBack,
            programVersion: points.programVersion,
            state: .init(rawValue: points.state.rawValue) ?? .unscored
        )
    }
}

extension Components.Schemas.Order {
    init(_ order: Order, points: OrderPoints) {
        self.init(
            id: order.id.uuidString.lowercased(),
            externalId: order.externalID.rawValue,
            member: order.member.rawValue,
            currency: order.amount.currency.code,
            amount: order.amount.minorUnits,
            status: .init(order.status),
            placedAt: order.placedAt,
            paidAt: order.paidAt,
            cancelledAt: order.cancelledAt,
            refundedAt: order.refundedAt,
            lines: order.lines.map(Components.Schemas.OrderLine.init),
            coupons: order.couponCodes.isEmpty ? nil : order.couponCodes,
            redemption: order.redemptionID?.uuidString.lowercased(),
            walletHold: order.walletHoldID?.uuidString.lowercased(),
            points: .init(points),
            createdAt: order.createdAt,
            updatedAt: order.updatedAt
        )
    }
}

extension Components.Schemas.OrderLine {
    init(_ line: OrderLine) {
        self.init(
            sku: line.sku,
            category: line.category,
            name: line.name,
            quantity: line.quantity,
            unitAmount: line.unitAmount
        )
    }
}

extension OrderLine {
    init(_ line: Components.Schemas.OrderLine) {
        self.init(
            sku: line.sku,
            category: line.category,
            name: line.name,
            quantity: line.quantity,
            unitAmount: line.unitAmount
        )
    }
}

extension Components.Schemas.OrderStatus {
    init(_ status: OrderStatus) {
        switch status {
        case .placed: self = .placed
        case .paid: self = .paid
        case .cancelled: self = .cancelled
        case .refunded: self = .refunded
        }
    }
}

extension OrderStatus {
    init(_ status: Components.Schemas.OrderStatus) {
        switch status {
        case .placed: self = .placed
        case .paid: self = .paid
        case .cancelled: self = .cancelled
        case .refunded: self = .refunded
        }
    }
}
