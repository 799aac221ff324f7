import Foundation
import JifenCore
import PostgresNIO

// Coupons of members: issuing (idempotent by key, within the template's stock and per-member
// limit), listing, voiding, and the sweeps that expire them and remind members.
//
// Lock order: a member's balance row (lockMember: every coupon event is numbered on it), then the
// template row (the stock UPDATE, the hot row of a popular template, taken last), then the coupon.
// The order path (TenantConnection+orderCoupons.swift) takes the order row first, as every points
// operation does.
extension TenantConnection {
    static let couponColumns = """
        c.id, c.code, m.external_id, c.external_id, c.source, c.source_ref, c.state, c.valid_from, c.valid_until,
        o.external_id, c.reserved_at, c.redeemed_at, c.expired_at, c.voided_at, c.created_at,
        (extract(epoch FROM c.created_at) * 1000000)::bigint,
        \(couponTemplateColumns)
        FROM coupons c
        JOIN coupon_templates t ON t.tenant_id = c.tenant_id AND t.id = c.template_id
        JOIN members m ON m.tenant_id = c.tenant_id AND m.id = c.member_id
        LEFT JOIN orders o ON o.tenant_id = c.tenant_id AND o.id = c.order_id
        """

    /// Issues a coupon of `issue.template` to the member (whose lock the caller holds), or returns
    /// the one issued before under the same key. Throws `not-found` (template), `conflict`
    /// (disabled, over the per-member limit, its fixed window over) or `out-of-stock`.
    func issueCoupon(_ issue: CouponIssue, to member: MemberPoints, program: Program, now: Date) async throws
        -> (coupon: Coupon, created: Bool)
    {
        if let existing = try await coupon(issueKey: issue.key) {
            guard existing.template.id == issue.template, existing.member.rawValue == member.externalID else {
                throw JifenError.conflict("'\(issue.key)' was used for another coupon")
            }
            return (existing, false)
        }
        guard let record = try await couponTemplate(issue.template) else {
            throw JifenError.notFound("no coupon template '\(issue.template.uuidString.lowercased())'")
        }
        let name = "coupon template \(issue.template.uuidString.lowercased())"
        guard record.enabled else { throw JifenError.conflict("\(name) is disabled") }
        let window = record.template.validity.window(
            issuedAt: now,
            startingAfterMonths: issue.startingAfterMonths,
            in: program.zone
        )
        guard window.until > now else {
            throw JifenError.conflict("\(name) was valid until \(window.until.formatted(.iso8601))")
        }
        if let limit = record.template.perMemberLimit {
            // Under the member's lock: the member's other issues wait behind us.
            let held = try await query(
                """
                SELECT count(*)::bigint FROM coupons WHERE tenant_id = \(tenant.rawValue)
                  AND template_id = \(issue.template) AND member_id = \(member.id) AND state <> 'voided'
                """
            )
            let count = try await held.decode(Int64.self).first(where: { _ in true }) ?? 0
            guard count < limit else {
                throw JifenError.conflict(
                    "member '\(member.externalID)' has \(count) coupons of \(name), limited to \(limit) per member"
                )
            }
        }
        try await takeCouponStock(issue.template, name: name)
        let id = UUID()
        // A code is 58 random bits: a collision is rare enough that retrying a few times is certain.
        for _ in 0..<5 {
            let code = CouponCode.generate()
            let inserted = try await query(
                """
                INSERT INTO coupons (tenant_id, id, template_id, member_id, code, issue_key, external_id, source,
                                     source_ref, valid_from, valid_until, created_at)
                VALUES (\(tenant.rawValue), \(id), \(issue.template), \(member.id), \(code), \(issue.key),
                        \(issue.externalID?.rawValue), \(issue.source.rawValue), \(issue.sourceRef), \(window.from),
                        \(window.until), \(now))
                ON CONFLICT (tenant_id, code) DO NOTHING
                RETURNING 1
                """
            )
            guard try await inserted.decode(Int.self).first(where: { _ in true }) != nil else { continue }
            guard let coupon = try await coupon(id: id) else {
                throw JifenError(.internalError, "coupon \(id) vanished in its own transaction")
            }
            try await recordEvent(member, coupon.event(.issued))
            return (coupon, true)
        }
        throw JifenError(.internalError, "no free coupon code after 5 tries")
    }

    /// One conditional UPDATE, as a reward's stock: two issues never both take the last coupon.
    private func takeCouponStock(_ template: UUID, name: String) async throws {
        let rows = try await query(
            """
            UPDATE coupon_templates SET stock = stock - (stock IS NOT NULL)::int, issued = issued + 1,
                                        updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(template) AND enabled AND (stock IS NULL OR stock > 0)
            RETURNING 1
            """
        )
        guard try await rows.decode(Int.self).first(where: { _ in true }) == nil else { return }
        throw JifenError(.outOfStock, "\(name) has no coupons left to issue")
    }

    /// Issues a coupon through the API, idempotently by the shop's id for it (`external_id`).
    public func issueCoupon(
        member externalID: ExternalID,
        template: UUID,
        shopID: ExternalID?,
        now: Date = Date()
    ) async throws -> (coupon: Coupon, created: Bool) {
        let memberID = try await ensureMember(externalID)
        let program = try await program()
        let member = try await lockMember(memberID)
        let key = shopID.map { "api:\($0.rawValue)" } ?? "api:\(UUID().uuidString.lowercased())"
        return try await issueCoupon(
            CouponIssue(template: template, key: key, externalID: shopID, source: .api),
            to: member,
            program: program,
            now: now
        )
    }

    /// The program's welcome pack for a member seen for the first time (the caller knows it is).
    /// A template that cannot issue (disabled, out of stock) is skipped: a new member must never
    /// fail to be recorded because a promotion ran out.
    func issueWelcomePack(_ memberID: UUID, program: Program, now: Date) async throws {
        guard !program.coupons.welcome.isEmpty else { return }
        let member = try await lockMember(memberID)
        for item in program.coupons.welcome {
            for n in 0..<item.count {
                let template = item.templateID.uuidString.lowercased()
                let issue = CouponIssue(
                    template: item.templateID,
                    key: "welcome:\(memberID.uuidString.lowercased()):\(template):\(n)",
                    source: .welcome,
                    sourceRef: template
                )
                do {
                    _ = try await issueCoupon(issue, to: member, program: program, now: now)
                } catch let error as JifenError where [.notFound, .conflict, .outOfStock].contains(error.code) {
                    // Skipped, as documented. Every such refusal is decided before the first write (the
                    // stock UPDATE that matched no row wrote nothing), so the transaction goes on.
                    continue
                }
            }
        }
    }

    public func coupon(id: UUID) async throws -> Coupon? {
        let rows = try await query(
            "SELECT \(unescaped: Self.couponColumns) WHERE c.tenant_id = \(tenant.rawValue) AND c.id = \(id)"
        )
        for try await row in rows { return try Self.coupon(from: row) }
        return nil
    }

    /// By code, as a member types it (any case, with or without dashes).
    public func coupon(code text: String) async throws -> Coupon? {
        guard let code = CouponCode.normalise(text) else { return nil }
        let rows = try await query(
            "SELECT \(unescaped: Self.couponColumns) WHERE c.tenant_id = \(tenant.rawValue) AND c.code = \(code)"
        )
        for try await row in rows { return try Self.coupon(from: row) }
        return nil
    }

    func coupon(issueKey key: String) async throws -> Coupon? {
        let rows = try await query(
            "SELECT \(unescaped: Self.couponColumns) WHERE c.tenant_id = \(tenant.rawValue) AND c.issue_key = \(key)"
        )
        for try await row in rows { return try Self.coupon(from: row) }
        return nil
    }

    /// A member's coupons, newest first; `state` filters.
    public func coupons(
        member externalID: ExternalID,
        state: CouponState?,
        limit: PageLimit,
        after cursor: PageCursor?
    ) async throws -> Page<Coupon> {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.couponColumns)
            WHERE c.tenant_id = \(tenant.rawValue) AND m.external_id = \(externalID.rawValue)
              AND (\(state?.rawValue)::text IS NULL OR c.state = \(state?.rawValue))
              AND \(after: cursor, on: "c")
            ORDER BY c.created_at DESC, c.id DESC LIMIT \(limit.value + 1)
            """
        )
        var coupons: [Coupon] = []
        for try await row in rows { coupons.append(try Self.coupon(from: row)) }
        return Page.slicing(coupons, limit: limit) { $0.cursor }
    }

    /// Every coupon of the member that checkout may consider (issued ones, at most 200, those
    /// ending first first).
    func usableCoupons(member memberID: UUID) async throws -> [Coupon] {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.couponColumns)
            WHERE c.tenant_id = \(tenant.rawValue) AND c.member_id = \(memberID) AND c.state = 'issued'
            ORDER BY c.valid_until, c.code LIMIT 200
            """
        )
        var coupons: [Coupon] = []
        for try await row in rows { coupons.append(try Self.coupon(from: row)) }
        return coupons
    }

    /// Voids an issued coupon: the member can no longer use it. Voiding again returns it
    /// unchanged; a reserved or redeemed coupon belongs to its order and cannot be voided.
    public func voidCoupon(id: UUID, now: Date = Date()) async throws -> Coupon? {
        guard let coupon = try await coupon(id: id) else { return nil }
        switch coupon.state {
        case .voided, .expired: return coupon
        case .reserved, .redeemed:
            throw JifenError.conflict(
                "coupon \(id.uuidString.lowercased()) is \(coupon.state.rawValue) by order '\(coupon.order ?? "")'"
            )
        case .issued:
            let rows = try await query(
                """
                UPDATE coupons SET state = 'voided', voided_at = \(now), updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND state = 'issued' RETURNING 1
                """
            )
            guard try await rows.decode(Int.self).first(where: { _ in true }) != nil else {
                throw JifenError.conflict("coupon \(id.uuidString.lowercased()) changed while being voided")
            }
            return try await self.coupon(id: id)
        }
    }

    /// Expires issued coupons past their end, `coupon.expired` each; returns how many.
    public func expireCoupons(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            UPDATE coupons SET state = 'expired', expired_at = \(now), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id IN (
                SELECT id FROM coupons WHERE tenant_id = \(tenant.rawValue) AND state = 'issued'
                  AND valid_until <= \(now)
                ORDER BY valid_until LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING id, member_id
            """
        )
        let expired = try await rows.decode((UUID, UUID).self).reduce(into: [(UUID, UUID)]()) { $0.append($1) }
        try await recordCouponEvents(expired, .expired)
        return expired.count
    }

    /// Records `coupon.expiring` once per coupon, `coupons.remind_days_before` days before its end.
    public func remindCoupons(now: Date = Date(), limit: Int = 500) async throws -> Int {
        let days = try await program().coupons.remindDaysBefore
        guard days > 0 else { return 0 }
        let rows = try await query(
            """
            UPDATE coupons SET reminded_at = \(now), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id IN (
                SELECT id FROM coupons WHERE tenant_id = \(tenant.rawValue) AND state = 'issued'
                  AND reminded_at IS NULL AND valid_until > \(now)
                  AND valid_until <= \(now) + make_interval(days => \(Int32(days)))
                ORDER BY valid_until LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING id, member_id
            """
        )
        let due = try await rows.decode((UUID, UUID).self).reduce(into: [(UUID, UUID)]()) { $0.append($1) }
        try await recordCouponEvents(due, .expiring)
        return due.count
    }

    /// One event per (coupon, member), each under its member's lock.
    func recordCouponEvents(_ coupons: [(UUID, UUID)], _ kind: CouponEvent.Kind) async throws {
        for (couponID, memberID) in coupons {
            let member = try await lockMember(memberID)
            guard let coupon = try await coupon(id: couponID) else { continue }
            try await recordEvent(member, coupon.event(kind))
        }
    }

    static func coupon(from row: PostgresRow) throws -> Coupon {
        let c = row.makeRandomAccess()
        let id = try c.value(0, UUID.self)
        let sourceText = try c.value(4, String.self)
        let stateText = try c.value(6, String.self)
        guard let source = CouponSource(rawValue: sourceText), let state = CouponState(rawValue: stateText) else {
            throw JifenError(.internalError, "coupon \(id) has source '\(sourceText)', state '\(stateText)'")
        }
        return Coupon(
            id: id,
            code: try c.value(1, String.self),
            template: try couponTemplate(from: row, offset: 16).template,
            member: try ExternalID(try c.value(2, String.self)),
            externalID: try c.value(3, String?.self),
            source: source,
            sourceRef: try c.value(5, String?.self),
            state: state,
            validFrom: try c.value(7, Date.self),
            validUntil: try c.value(8, Date.self),
            order: try c.value(9, String?.self),
            reservedAt: try c.value(10, Date?.self),
            redeemedAt: try c.value(11, Date?.self),
            expiredAt: try c.value(12, Date?.self),
            voidedAt: try c.value(13, Date?.self),
            createdAt: try c.value(14, Date.self),
            createdAtMicros: try c.value(15, Int64.self)
        )
    }
}
