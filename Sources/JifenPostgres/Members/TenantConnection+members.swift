import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    static let memberColumns = """
        id, external_id, email, phone, name, tags, created_at, updated_at,
        (extract(epoch FROM created_at) * 1000000)::bigint
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
            RETURNING \(unescaped: Self.memberColumns), (xmax = 0) AS created
            """
        )
        for try await row in rows {
            let created = try row.makeRandomAccess()["created"].decode(Bool.self, context: .default)
            return (try Self.member(from: row), created)
        }
        throw JifenError(.internalError, "member upsert returned no row")
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
            SELECT \(unescaped: Self.memberColumns) FROM members
            WHERE tenant_id = \(tenant.rawValue) AND external_id = \(externalID.rawValue)
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
            SELECT \(unescaped: Self.memberColumns) FROM members
            WHERE tenant_id = \(tenant.rawValue)
              AND (\(cursor == nil) OR (created_at, id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit.value + 1)
            """
        )
        var members: [Member] = []
        for try await row in rows { members.append(try Self.member(from: row)) }
        return Page.slicing(members, limit: limit) { $0.cursor }
    }

    static func member(from row: PostgresRow) throws -> Member {
        let (id, external, email, phone, name, tags, createdAt, updatedAt, micros) = try row.decode(
            (UUID, String, String?, String?, String?, [String], Date, Date, Int64).self,
            context: .default
        )
        return Member(
            id: id,
            externalID: try ExternalID(external),
            profile: MemberProfile(email: email, phone: phone, name: name, tags: tags),
            createdAt: createdAt,
            updatedAt: updatedAt,
            createdAtMicros: micros
        )
    }
}
