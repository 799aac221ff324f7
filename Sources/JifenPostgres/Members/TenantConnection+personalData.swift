import Foundation
import JifenCore
import PostgresNIO

/// Everything Jifen holds about one member, for `GET /v1/members/{member}/personal-data` (a
/// shop answering a customer's access request, PIPL art. 45, GDPR art. 15 and 20).
public struct PersonalData: Sendable {
    public var member: Member
    public var orders: [(order: Order, points: OrderPoints)]
    public var ledger: [LedgerEntry]
    public var lots: [Lot]
    public var coupons: [Coupon]
    /// The referrals the member made, and the one that brought it, if any.
    public var referrals: [Referral]
    public var referredBy: Referral?
    public var rewardClaims: [RewardClaim]
    public var schedules: [Schedule]
    public var wallets: [WalletBalance]
    public var walletEntries: [WalletEntry]
    public var checkIns: [CheckIn]
    public var activities: [Activity]
}

extension TenantConnection {
    /// The member's data, or nil for no such member (and for an erased one: it has none left).
    /// Each list is read page by page with the stores' own queries (the same rows the API's
    /// lists show), so the export is what the shop could have read piece by piece.
    public func personalData(_ externalID: ExternalID) async throws -> PersonalData? {
        guard let member = try await member(externalID), member.erasedAt == nil else { return nil }
        let limit = try PageLimit(PageLimit.maximum)
        var orders: [(order: Order, points: OrderPoints)] = []
        for order in try await memberOrders(member.id) {
            orders.append((order, try await orderPoints(order.id)))
        }
        return PersonalData(
            member: member,
            orders: orders,
            ledger: try await Self.everyPage { try await self.ledger(member: member.id, limit: limit, after: $0) },
            lots: try await Self.everyPage {
                try await self.lots(member: member.id, state: nil, limit: limit, after: $0)
            },
            coupons: try await Self.everyPage {
                try await self.coupons(member: externalID, state: nil, limit: limit, after: $0)
            },
            referrals: try await Self.everyPage { try await self.referrals(of: member.id, limit: limit, after: $0) },
            referredBy: try await referral(referee: member.id),
            rewardClaims: try await Self.everyPage {
                try await self.rewardClaims(member: member.id, limit: limit, after: $0)
            },
            schedules: try await Self.everyPage {
                try await self.schedules(member: member.id, limit: limit, after: $0)
            },
            wallets: try await wallets(member: externalID) ?? [],
            walletEntries: try await Self.everyPage {
                try await self.walletEntries(member: externalID, limit: limit, after: $0)
                    ?? Page(items: [], nextCursor: nil)
            },
            checkIns: try await memberCheckIns(member),
            activities: try await memberActivities(member)
        )
    }

    static func everyPage<Item: Sendable>(_ page: (PageCursor?) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        var cursor: PageCursor?
        repeat {
            let next = try await page(cursor)
            items += next.items
            cursor = next.nextCursor
        } while cursor != nil
        return items
    }

    /// A member's orders, newest first; all of them unless `limit` (the console shows the latest).
    public func memberOrders(_ member: UUID, limit: Int = Int(Int32.max)) async throws -> [Order] {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.orderColumns)
            FROM orders o JOIN members m ON m.tenant_id = o.tenant_id AND m.id = o.member_id
            WHERE o.tenant_id = \(tenant.rawValue) AND o.member_id = \(member)
            ORDER BY o.created_at DESC, o.id DESC
            LIMIT \(limit)
            """
        )
        var orders: [Order] = []
        for try await row in rows { orders.append(try Self.order(from: row)) }
        return orders
    }

    private func memberCheckIns(_ member: Member) async throws -> [CheckIn] {
        let rows = try await query(
            """
            SELECT id, local_day, streak, points, bonus, program_version, created_at FROM check_ins
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member.id)
            ORDER BY local_day DESC
            """
        )
        var checkIns: [CheckIn] = []
        for try await (id, day, streak, points, bonus, version, createdAt) in rows.decode(
            (UUID, Int, Int64, Int64, Int64, Int, Date).self
        ) {
            checkIns.append(
                CheckIn(
                    id: id,
                    member: member.externalID.rawValue,
                    day: LocalDay.text(day),
                    streak: streak,
                    points: points,
                    bonus: bonus,
                    programVersion: version,
                    createdAt: createdAt
                )
            )
        }
        return checkIns
    }

    private func memberActivities(_ member: Member) async throws -> [Activity] {
        let rows = try await query(
            """
            SELECT a.id, a.type, a.external_id, a.occurred_at, a.points, a.reason, l.state, a.program_version,
                   a.created_at, a.metadata::text
            FROM activities a
            LEFT JOIN point_lots l ON l.tenant_id = a.tenant_id AND l.id = a.lot_id
            WHERE a.tenant_id = \(tenant.rawValue) AND a.member_id = \(member.id)
            ORDER BY a.occurred_at DESC, a.id DESC
            """
        )
        var activities: [Activity] = []
        for try await (id, type, external, occurredAt, points, reason, lotState, version, createdAt, metadata)
            in rows.decode((UUID, String, String, Date, Int64, String?, String?, Int, Date, String).self)
        {
            activities.append(
                Activity(
                    id: id,
                    member: member.externalID.rawValue,
                    type: type,
                    externalID: external,
                    occurredAt: occurredAt,
                    points: points,
                    reason: reason,
                    state: lotState ?? "none",
                    programVersion: version,
                    createdAt: createdAt,
                    metadata: metadata
                )
            )
        }
        return activities
    }
}
