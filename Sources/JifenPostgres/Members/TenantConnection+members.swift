import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Members are always read with their balance (absent until the first earning).
    static let memberSelect = """
        SELECT m.id, m.external_id, m.email, m.phone, m.name, m.tags, m.created_at, m.updated_at,
               (extract(epoch FROM m.created_at) * 1000000)::bigint,
               coalesce(b.available, 0), coalesce(b.pending, 0), coalesce(b.held, 0), coalesce(b.lifetime_earned, 0),
               coalesce(b.lifetime_redeemed, 0), coalesce(b.lifetime_expired, 0), coalesce(b.lifetime_reversed, 0)
        FROM members m LEFT JOIN balances b ON b.tenant_id = m.tenant_id AND b.member_id = m.id
        """

    /// Creates or replaces a member's profile; `created` tells which happened.
    public func upsertMember(_ externalID: ExternalID, profile: MemberProfile) async throws -> (
        member: Member, created: Bool
    ) {
        let rows = try await query(
            """
            INSERT INTO members AS m (tenant_id, external_id, email, phone, name, tags)
            VALUES (\(tenant.rawValue), \(externalID.rawValue), \(profile.email), \(profile.phone), \(profile.name), \(profile.tags))
            ON CONFLICT (tenant_id, external_id) DO UPDATE
            SET email = EXCLUDED.email, phone = EXCLUDED.phone, name = EXCLUDED.name, tags = EXCLUDED.tags,
                updated_at = clock_timestamp()
            RETURNING m.id, (xmax = 0) AS created
            """
        )
        guard let (id, created) = try await rows.decode((UUID, Bool).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "member upsert returned no row")
        }
        let member = try await query(
            "\(unescaped: Self.memberSelect) WHERE m.tenant_id = \(tenant.rawValue) AND m.id = \(id)"
        )
        for try await row in member { return (try Self.member(from: row), created) }
        throw JifenError(.internalError, "member \(id) vanished after its upsert")
    }

    /// The member's id, creating a bare member if the shop has not sent one yet (orders may
    /// arrive before the member does).
    public func ensureMember(_ externalID: ExternalID) async throws -> UUID {
        // DO UPDATE (not DO NOTHING) so the row comes back even when a concurrent transaction
        // inserted it a moment ago.
        let rows = try await query(
            """
            INSERT INTO members (tenant_id, external_id) VALUES (\(tenant.rawValue), \(externalID.rawValue))
            ON CONFLICT (tenant_id, external_id) DO UPDATE SET external_id = EXCLUDED.external_id
            RETURNING id
            """
        )
        guard let id = try await rows.decode(UUID.self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "member insert returned no row")
        }
        return id
    }

    public func member(_ externalID: ExternalID) async throws -> Member? {
        let rows = try await query(
            """
            \(unescaped: Self.memberSelect)
            WHERE m.tenant_id = \(tenant.rawValue) AND m.external_id = \(externalID.rawValue)
            """
        )
        for try await row in rows { return try Self.member(from: row) }
        return nil
    }

    /// Members newest first.
    public func members(limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Member> {
        let micros = cursor?.createdAtMicros ?? Int64.max
        let id = cursor?.id ?? UUID()
        let rows = try await query(
            """
            \(unescaped: Self.memberSelect)
            WHERE m.tenant_id = \(tenant.rawValue)
              AND (\(cursor == nil) OR (m.created_at, m.id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id)))
            ORDER BY m.created_at DESC, m.id DESC
            LIMIT \(limit.value + 1)
            """
        )
        var members: [Member] = []
        for try await row in rows { members.append(try Self.member(from: row)) }
        return Page.slicing(members, limit: limit) { $0.cursor }
    }

    static func member(from row: PostgresRow) throws -> Member {
        let columns = row.makeRandomAccess()
        return Member(
            id: try columns.value(0, UUID.self),
            externalID: try ExternalID(try columns.value(1, String.self)),
            profile: MemberProfile(
                email: try columns.value(2, String?.self),
                phone: try columns.value(3, String?.self),
                name: try columns.value(4, String?.self),
                tags: try columns.value(5, [String].self)
            ),
            balance: Balance(
                available: try columns.value(9, Int64.self),
                pending: try columns.value(10, Int64.self),
                held: try columns.value(11, Int64.self),
                lifetimeEarned: try columns.value(12, Int64.self),
                lifetimeRedeemed: try columns.value(13, Int64.self),
                lifetimeExpired: try columns.value(14, Int64.self),
                lifetimeReversed: try columns.value(15, Int64.self)
            ),
            createdAt: try columns.value(6, Date.self),
            updatedAt: try columns.value(7, Date.self),
            createdAtMicros: try columns.value(8, Int64.self)
        )
    }
}
