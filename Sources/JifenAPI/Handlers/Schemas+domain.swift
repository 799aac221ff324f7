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
            prefix: key.secret.prefix,
            secret: key.secret.value,
            createdAt: key.createdAt
        )
    }
}

extension Components.Schemas.Member {
    init(_ member: Member) {
        self.init(
            id: member.id.uuidString.lowercased(),
            externalId: member.externalID.rawValue,
            email: member.profile.email,
            phone: member.profile.phone,
            name: member.profile.name,
            tags: member.profile.tags,
            balance: .init(member.balance),
            createdAt: member.createdAt,
            updatedAt: member.updatedAt
        )
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
