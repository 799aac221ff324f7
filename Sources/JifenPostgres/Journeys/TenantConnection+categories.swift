import Foundation
import JifenCore
import PostgresNIO

// Per-category repurchase windows: scoring keeps each member's last purchase per category (only
// when the program has `repurchase` windows, so other programs pay nothing), and the
// `members.lapsing` sweep reports a category's window passing, once per window crossed.
extension TenantConnection {
    /// Records a paid order's categories for its member, under the order's lock (scoring's).
    func recordCategories(member: UUID, lines: [OrderLine], paidAt: Date, windows: RepurchaseWindows) async throws {
        let categories = Array(Set(lines.compactMap(\.category)))
        guard !categories.isEmpty else { return }
        let due = categories.map { windows.nextExpected(after: paidAt, category: $0) }
        try await query(
            """
            INSERT INTO member_categories AS c (tenant_id, member_id, category, last_order_at, next_expected_at)
            SELECT \(tenant.rawValue), \(member), t.category, \(paidAt), t.due
            FROM unnest(\(categories)::text[], \(due)::timestamptz[]) AS t(category, due)
            ON CONFLICT (tenant_id, member_id, category) DO UPDATE
            SET last_order_at = greatest(c.last_order_at, EXCLUDED.last_order_at),
                next_expected_at = CASE WHEN EXCLUDED.last_order_at > c.last_order_at
                                        THEN EXCLUDED.next_expected_at ELSE c.next_expected_at END
            """
        )
    }

    /// Records `member.lapsing` for each member and category whose window passed since its last
    /// purchase in it and was not reported yet; enrols the member in the active journeys that
    /// start on lapsing in that category. Returns how many it reported.
    public func detectCategoryLapses(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let program = try await program()
        guard let windows = program.repurchase else { return 0 }
        let rows = try await query(
            """
            SELECT member_id, category FROM member_categories
            WHERE tenant_id = \(tenant.rawValue) AND next_expected_at <= \(now)
              AND lapsed_for IS DISTINCT FROM last_order_at
            ORDER BY next_expected_at LIMIT \(limit)
            """
        )
        var due: [(UUID, String)] = []
        for try await row in rows.decode((UUID, String).self) { due.append(row) }
        let journeys = try await activeJourneys().filter {
            if case .lapsing = $0.draft.entry { return true }
            return false
        }
        for (memberID, category) in due {
            let member = try await lockMember(memberID)
            let claimed = try await query(
                """
                UPDATE member_categories SET lapsed_for = last_order_at
                WHERE tenant_id = \(tenant.rawValue) AND member_id = \(memberID) AND category = \(category)
                  AND next_expected_at <= \(now) AND lapsed_for IS DISTINCT FROM last_order_at
                RETURNING last_order_at
                """
            )
            guard let lastOrder = try await claimed.decode(Date.self).first(where: { _ in true }) else { continue }
            try await recordEvent(
                member,
                MemberLapsing(
                    category: category,
                    lastOrderAt: lastOrder,
                    repurchaseWindowDays: windows.days(for: category)
                )
            )
            for journey in journeys {
                guard case .lapsing(let wanted) = journey.draft.entry, wanted == category else { continue }
                try await enrol([memberID], in: journey, now: now)
            }
        }
        return due.count
    }

    /// The member's categories with their windows, for `GET /v1/members/{member}`.
    public func repurchase(member: UUID, now: Date = Date()) async throws -> [CategoryRepurchase] {
        let rows = try await query(
            """
            SELECT category, last_order_at, next_expected_at FROM member_categories
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member) ORDER BY category
            """
        )
        var all: [CategoryRepurchase] = []
        for try await (category, last, next) in rows.decode((String, Date, Date).self) {
            all.append(
                CategoryRepurchase(category: category, lastOrderAt: last, nextExpectedAt: next, lapsing: next <= now)
            )
        }
        return all
    }
}

/// A member's standing in one category: when it last bought, when the next purchase is expected.
public struct CategoryRepurchase: Sendable, Hashable {
    public var category: String
    public var lastOrderAt: Date
    public var nextExpectedAt: Date
    /// The window has passed without a purchase.
    public var lapsing: Bool
}
