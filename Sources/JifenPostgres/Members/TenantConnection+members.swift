import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Members are always read with their balance (absent until the first earning).
    static let memberSelect = """
        SELECT m.id, m.external_id, m.email, m.phone, m.name, m.tags, m.created_at, m.updated_at,
               (extract(epoch FROM m.created_at) * 1000000)::bigint,
               coalesce(b.available, 0), coalesce(b.pending, 0), coalesce(b.held, 0), coalesce(b.lifetime_earned, 0),
               coalesce(b.lifetime_redeemed, 0), coalesce(b.lifetime_expired, 0), coalesce(b.lifetime_reversed, 0),
               m.order_count, m.total_spend, m.first_order_at, m.last_order_at, m.lapsed_at,
               m.tier, m.tier_since, m.tier_below_since, m.referral_code, m.erased_at
        FROM members m LEFT JOIN balances b ON b.tenant_id = m.tenant_id AND b.member_id = m.id
        """

    /// Creates or replaces a member's profile; `created` tells which happened.
    public func upsertMember(_ externalID: ExternalID, profile: MemberProfile) async throws -> (
        member: Member, created: Bool
    ) {
        // The keyed hashes go with every profile write, so an erasure finds them current.
        let hasher = try await personalHasher()
        let (emailHash, phoneHash) = (hasher.email(profile.email), hasher.phone(profile.phone))
        let rows = try await query(
            """
            INSERT INTO members AS m (tenant_id, external_id, email, phone, name, tags, email_hash, phone_hash)
            VALUES (\(tenant.rawValue), \(externalID.rawValue), \(profile.email), \(profile.phone), \(profile.name),
                    \(profile.tags), \(emailHash), \(phoneHash))
            ON CONFLICT (tenant_id, external_id) DO UPDATE
            SET email = EXCLUDED.email, phone = EXCLUDED.phone, name = EXCLUDED.name, tags = EXCLUDED.tags,
                email_hash = EXCLUDED.email_hash, phone_hash = EXCLUDED.phone_hash, updated_at = clock_timestamp()
            WHERE m.erased_at IS NULL
            RETURNING m.id, (xmax = 0) AS created
            """
        )
        guard let (id, created) = try await rows.decode((UUID, Bool).self).first(where: { _ in true }) else {
            // The row exists but is erased (the shop sent its token): it takes no profile again.
            throw Self.erasedMember(externalID)
        }
        if created {
            if try await isRefusedErasedID(externalID, hasher: hasher) { throw Self.refusedErasedID(externalID) }
            try await welcome(id, now: Date())
        }
        let member = try await query(
            "\(unescaped: Self.memberSelect) WHERE m.tenant_id = \(tenant.rawValue) AND m.id = \(id)"
        )
        for try await row in member { return (try Self.member(from: row), created) }
        throw JifenError(.internalError, "member \(id) vanished after its upsert")
    }

    /// The member's id, creating a bare member if the shop has not sent one yet (orders may
    /// arrive before the member does). A member created here gets the program's welcome pack.
    ///
    /// An existing member's row is not locked (`DO NOTHING`, not `DO UPDATE`): callers go on to
    /// lock the member's balance row, and other paths (scoring's statistics) lock the balance row
    /// before the member's row, so holding the member's row here would make a lock cycle.
    ///
    /// An erased member's id (or its token) is refused (docs/privacy.md), except for `order`
    /// when that order is already the erased member's: a later state of an order placed before
    /// the erasure (paid, cancelled) is still recorded, on the erased member.
    public func ensureMember(_ externalID: ExternalID, now: Date = Date(), order: ExternalID? = nil) async throws
        -> UUID
    {
        // One round trip for the usual cases. The second column says whether a welcome pack is
        // due: this statement inserted the row and the current program has one.
        let rows = try await query(
            """
            WITH inserted AS (
                INSERT INTO members AS m (tenant_id, external_id) VALUES (\(tenant.rawValue), \(externalID.rawValue))
                ON CONFLICT (tenant_id, external_id) DO NOTHING
                RETURNING m.id, coalesce(jsonb_array_length(
                    (SELECT p.rules #> '{coupons,welcome}' FROM programs p WHERE p.tenant_id = m.tenant_id
                     ORDER BY p.version DESC LIMIT 1)), 0) > 0 AS welcome,
                    EXISTS (SELECT 1 FROM member_erasures e WHERE e.tenant_id = m.tenant_id AND NOT e.allow_reuse)
                    AS refusals
            )
            SELECT id, welcome, refusals, false FROM inserted
            UNION ALL
            SELECT id, false, false, erased_at IS NOT NULL FROM members
            WHERE tenant_id = \(tenant.rawValue) AND external_id = \(externalID.rawValue)
              AND NOT EXISTS (SELECT 1 FROM inserted)
            """
        )
        if let (id, welcomeDue, refusals, erased) = try await rows.decode((UUID, Bool, Bool, Bool).self).first(where: {
            _ in true
        }) {
            if erased {
                guard let order, try await erasedOwner(of: order, token: externalID) == id else {
                    throw Self.erasedMember(externalID)
                }
                return id
            }
            // Only a tenant that erased a member without allowing reuse of its id pays for the check.
            if refusals {
                let hasher = try await personalHasher()
                var owner: UUID?
                if let order { owner = try await erasedOwner(of: order, idHash: hasher.externalID(externalID)) }
                let refused = owner == nil ? try await isRefusedErasedID(externalID, hasher: hasher) : false
                if owner != nil || refused {
                    // The row just inserted names nobody (the order's erased member is meant, or
                    // no one may be): gone before answering, so a caller that acknowledges the
                    // refusal (an inbound webhook) commits nothing of it.
                    try await query("DELETE FROM members WHERE tenant_id = \(tenant.rawValue) AND id = \(id)")
                }
                if let owner { return owner }
                if refused { throw Self.refusedErasedID(externalID) }
            }
            if welcomeDue { try await welcome(id, now: now) }
            return id
        }
        // A concurrent transaction inserted it after this statement's snapshot was taken (the
        // insert waited for it to commit): a new statement sees it.
        let again = try await query(
            """
            SELECT id, erased_at IS NOT NULL FROM members
            WHERE tenant_id = \(tenant.rawValue) AND external_id = \(externalID.rawValue)
            """
        )
        guard let (id, erased) = try await again.decode((UUID, Bool).self).first(where: { _ in true }) else {
            throw JifenError(.internalError, "member '\(externalID)' neither inserted nor found")
        }
        if erased {
            guard let order, try await erasedOwner(of: order, token: externalID) == id else {
                throw Self.erasedMember(externalID)
            }
        }
        return id
    }

    /// A member seen for the first time gets the program's welcome pack (coupons), if it has one.
    private func welcome(_ memberID: UUID, now: Date) async throws {
        let program = try await program()
        guard !program.coupons.welcome.isEmpty else { return }
        try await issueWelcomePack(memberID, program: program, now: now)
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

    /// Members newest first, those matching `filter` (a segment).
    public func members(
        limit: PageLimit,
        after cursor: PageCursor?,
        filter: MemberFilter = MemberFilter(),
        tiers: TierRules? = nil,
        now: Date = Date()
    ) async throws -> Page<Member> {
        let rows = try await filteredMembers(
            Self.memberSelect,
            filter: filter,
            tiers: tiers,
            now: now,
            cursor: cursor,
            limit: limit.value + 1
        )
        var members: [Member] = []
        for try await row in rows { members.append(try Self.member(from: row)) }
        return Page.slicing(members, limit: limit) { $0.cursor }
    }

    /// `head` (a SELECT or an INSERT … SELECT over `members m`) for the members matching
    /// `filter`, newest first, after `cursor`, at most `limit` (`nil`: all). The one place a
    /// segment becomes SQL: the member list and a campaign's targets are the same members.
    func filteredMembers(
        _ head: String,
        filter: MemberFilter,
        tiers: TierRules?,
        now: Date,
        cursor: PageCursor? = nil,
        limit: Int? = nil
    ) async throws -> PostgresRowSequence {
        // The base tier is stored as NULL until the member's first evaluation.
        let baseTier = filter.tier != nil && tiers?.base.code == filter.tier
        let inactiveSince = filter.inactiveDays.map { now.addingTimeInterval(-TimeInterval($0) * 86_400) }
        // Erased members are no segment's: they keep their points, but no one to address.
        return try await query(
            """
            \(unescaped: head)
            WHERE m.tenant_id = \(tenant.rawValue) AND m.erased_at IS NULL
              AND (\(filter.tag)::text IS NULL OR m.tags @> ARRAY[\(filter.tag)::text])
              AND (\(filter.tier)::text IS NULL OR m.tier = \(filter.tier) OR (\(baseTier) AND m.tier IS NULL))
              AND (\(filter.minOrders)::integer IS NULL OR m.order_count >= \(filter.minOrders))
              AND (\(filter.maxOrders)::integer IS NULL OR m.order_count <= \(filter.maxOrders))
              AND (\(filter.minSpend)::bigint IS NULL OR m.total_spend >= \(filter.minSpend))
              AND (\(filter.maxSpend)::bigint IS NULL OR m.total_spend <= \(filter.maxSpend))
              AND (\(inactiveSince)::timestamptz IS NULL OR m.last_order_at < \(inactiveSince))
              AND (\(filter.lapsingCategory)::text IS NULL OR EXISTS (
                   SELECT 1 FROM member_categories c WHERE c.tenant_id = m.tenant_id AND c.member_id = m.id
                     AND c.category = \(filter.lapsingCategory) AND c.next_expected_at <= \(now)))
              AND \(after: cursor, on: "m")
            ORDER BY m.created_at DESC, m.id DESC
            LIMIT \(limit)
            """
        )
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
            stats: MemberStats(
                orderCount: try columns.value(16, Int.self),
                totalSpend: try columns.value(17, Int64.self),
                firstOrderAt: try columns.value(18, Date?.self),
                lastOrderAt: try columns.value(19, Date?.self),
                lapsedAt: try columns.value(20, Date?.self)
            ),
            tier: MemberTier(
                code: try columns.value(21, String?.self),
                since: try columns.value(22, Date?.self),
                belowSince: try columns.value(23, Date?.self)
            ),
            referralCode: try columns.value(24, String.self),
            erasedAt: try columns.value(25, Date?.self),
            createdAt: try columns.value(6, Date.self),
            updatedAt: try columns.value(7, Date.self),
            createdAtMicros: try columns.value(8, Int64.self)
        )
    }
}
