import Foundation
import JifenCore
import PostgresNIO

/// A referral as stored.
public struct Referral: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case pending, rewarded, rejected }

    public var id: UUID
    public var referrer: String
    public var referee: String
    public var code: String
    public var status: Status
    public var reason: String?
    public var referrerPoints: Int64
    public var refereePoints: Int64
    public var createdAt: Date
    public var rewardedAt: Date?
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

extension TenantConnection {
    static let referralSelect = """
        SELECT r.id, a.external_id, b.external_id, r.code, r.status, r.reason, r.referrer_points, r.referee_points,
               r.created_at, r.rewarded_at, (extract(epoch FROM r.created_at) * 1000000)::bigint
        FROM referrals r
        JOIN members a ON a.tenant_id = r.tenant_id AND a.id = r.referrer_id
        JOIN members b ON b.tenant_id = r.tenant_id AND b.id = r.referee_id
        """

    /// Attributes `referee` (created if the shop has not sent it yet) to the member whose code
    /// is `code`, once: the same attribution again returns the stored one (`created` false);
    /// another referrer for an attributed referee is a conflict. The fraud rules that can be
    /// judged now reject it at once, with their reason and a `referral.rejected` event.
    public func createReferral(code: String, referee: ExternalID, ip: String?, now: Date = Date()) async throws
        -> (referral: Referral, created: Bool)
    {
        let referrers = try await query(
            """
            SELECT id, email, phone, email_hash, phone_hash
            FROM members WHERE tenant_id = \(tenant.rawValue) AND referral_code = \(code.uppercased())
            """
        )
        let hasher = try await personalHasher()
        var found: ReferralVerdict.Person?
        for try await (id, email, phone, emailHash, phoneHash) in referrers.decode(
            (UUID, String?, String?, Data?, Data?).self
        ) {
            found = Self.person(id, email, phone, emailHash, phoneHash, hasher: hasher)
        }
        guard let referrer = found else { throw JifenError.invalid("code", "no member has this referral code") }
        let refereeID = try await ensureMember(referee)
        if let existing = try await referral(referee: refereeID) {
            guard existing.code == code.uppercased() else {
                throw JifenError.conflict(
                    "member '\(referee)' was already referred (referral \(existing.id.uuidString.lowercased()))"
                )
            }
            return (existing, false)
        }
        let program = try await program()
        let facts = try await attributionFacts(referee: refereeID, ip: ip, now: now, hasher: hasher)
        let rejection = ReferralVerdict.atAttribution(
            referrer: referrer,
            referee: facts.referee,
            refereeHasOrdered: facts.ordered,
            ip: ip,
            referralsFromIP: facts.fromIP,
            rules: program.referrals
        ).rejection
        let inserted = try await query(
            """
            INSERT INTO referrals (tenant_id, referrer_id, referee_id, code, status, reason, ip, created_at)
            VALUES (\(tenant.rawValue), \(referrer.id), \(refereeID), \(code.uppercased()),
                    \(rejection == nil ? "pending" : "rejected"), \(rejection?.rawValue), \(ip)::inet, \(now))
            ON CONFLICT (tenant_id, referee_id) DO NOTHING
            RETURNING id
            """
        )
        guard let id = try await inserted.decode(UUID.self).first(where: { _ in true }) else {
            // Attributed by a concurrent request a moment ago: answer as for a repeat.
            guard let existing = try await referral(referee: refereeID) else {
                throw JifenError(.internalError, "referral for \(referee) vanished")
            }
            guard existing.code == code.uppercased() else {
                throw JifenError.conflict("member '\(referee)' was already referred")
            }
            return (existing, false)
        }
        if let rejection {
            try await recordEvent(
                try await lockMember(referrer.id),
                ReferralRejected(referral: id.uuidString.lowercased(), referee: referee.rawValue, reason: rejection)
            )
        }
        guard let referral = try await referral(id: id) else {
            throw JifenError(.internalError, "referral \(id) vanished after its insert")
        }
        return (referral, true)
    }

    /// What the rules judged at attribution (``ReferralVerdict/atAttribution(referrer:referee:refereeHasOrdered:ip:referralsFromIP:rules:)``)
    /// compare: the referee's email and phone (normalised as the referrer's), whether it has
    /// ordered, and the referrals from `ip` in the last 24 hours.
    private func attributionFacts(referee: UUID, ip: String?, now: Date, hasher: PersonalHasher) async throws
        -> (referee: ReferralVerdict.Person, ordered: Bool, fromIP: Int64)
    {
        let rows = try await query(
            """
            SELECT email, phone, email_hash, phone_hash,
                   EXISTS (SELECT 1 FROM orders WHERE tenant_id = \(tenant.rawValue) AND member_id = \(referee)
                           AND status IN ('paid', 'refunded')),
                   (SELECT count(*) FROM referrals WHERE tenant_id = \(tenant.rawValue) AND ip = \(ip)::inet
                    AND created_at > \(now) - interval '24 hours')::bigint
            FROM members WHERE tenant_id = \(tenant.rawValue) AND id = \(referee)
            """
        )
        var facts = (referee: ReferralVerdict.Person(id: referee), ordered: false, fromIP: Int64(0))
        for try await (email, phone, emailHash, phoneHash, ordered, fromIP) in rows.decode(
            (String?, String?, Data?, Data?, Bool, Int64).self
        ) {
            facts = (Self.person(referee, email, phone, emailHash, phoneHash, hasher: hasher), ordered, fromIP)
        }
        return facts
    }

    /// A member as the fraud rules compare it: the keyed hashes of its email and phone, from the
    /// plain values while the member has them (rows written before migration 0022 have no
    /// hashes yet), else the stored hashes (an erased member keeps only those).
    static func person(
        _ id: UUID,
        _ email: String?,
        _ phone: String?,
        _ emailHash: Data?,
        _ phoneHash: Data?,
        hasher: PersonalHasher
    ) -> ReferralVerdict.Person {
        let emailKey = hasher.email(email) ?? emailHash
        let phoneKey = hasher.phone(phone) ?? phoneHash
        return ReferralVerdict.Person(
            id: id,
            email: emailKey.map { $0.base64EncodedString() },
            phone: phoneKey.map { $0.base64EncodedString() } ?? ""
        )
    }

    /// Rewards the member's pending referral once its first qualifying order counts (paid, past
    /// the return window, not refunded away: the query's condition), as ``ReferralVerdict``
    /// decides: the parties' lots and `referral.rewarded`, or `referral.rejected` when the
    /// referrer is over its monthly limit. Idempotent: the referral row is locked and its status checked first. The caller
    /// holds the referee's balance row.
    func rewardReferral(_ referee: MemberPoints, program: Program, now: Date) async throws {
        guard let rules = program.referrals else { return }
        let rows = try await query(
            """
            SELECT r.id, r.referrer_id,
                   EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = r.tenant_id AND o.member_id = r.referee_id
                           AND o.status = 'paid' AND o.qualifies_at <= \(now)
                           AND o.amount > coalesce((SELECT sum(amount) FROM refunds f
                                                    WHERE f.tenant_id = o.tenant_id AND f.order_id = o.id), 0))
            FROM referrals r
            WHERE r.tenant_id = \(tenant.rawValue) AND r.referee_id = \(referee.id) AND r.status = 'pending'
            FOR UPDATE OF r
            """
        )
        var pending: (id: UUID, referrer: UUID, qualifies: Bool)?
        for try await row in rows.decode((UUID, UUID, Bool).self) { pending = row }
        guard let pending, pending.qualifies else { return }
        let reference = pending.id.uuidString.lowercased()
        let referrer = try await lockMember(pending.referrer)
        // Counted under the referrer's balance lock, so two referees qualifying at once cannot
        // both pass its monthly limit.
        let month = rules.rewardMonth(containing: now, in: program.zone)
        let counted = try await query(
            """
            SELECT count(*)::bigint FROM referrals
            WHERE tenant_id = \(tenant.rawValue) AND referrer_id = \(pending.referrer) AND status = 'rewarded'
              AND rewarded_at >= \(month.start) AND rewarded_at < \(month.end)
            """
        )
        let rewarded = try await counted.decode(Int64.self).first(where: { _ in true }) ?? 0
        let verdict = ReferralVerdict.atQualifyingOrder(rules: rules, referrerRewardedThisMonth: rewarded)
        if let reason = verdict.rejection {
            try await query(
                """
                UPDATE referrals SET status = 'rejected', reason = \(reason.rawValue), qualified_at = \(now)
                WHERE tenant_id = \(tenant.rawValue) AND id = \(pending.id)
                """
            )
            try await recordEvent(
                referrer,
                ReferralRejected(referral: reference, referee: referee.externalID, reason: reason)
            )
            return
        }
        guard case .rewarded(let reward) = verdict else { return }
        for grant in reward.grants {
            try await grantLot(
                grant.party == .referrer ? referrer : referee,
                points: grant.points,
                source: .referral,
                key: "referral:\(reference):\(grant.party.rawValue)",
                sourceRef: reference,
                reason: "referral",
                program: program,
                now: now
            )
        }
        try await query(
            """
            UPDATE referrals SET status = 'rewarded', qualified_at = \(now), rewarded_at = \(now),
                                 referrer_points = \(reward.referrerPoints), referee_points = \(reward.refereePoints)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(pending.id)
            """
        )
        // The referrer's balance after its grant (a change of nothing returns it as it is).
        let balance = try await updateBalance(referrer.id)
        try await recordEvent(
            referrer,
            ReferralRewarded(
                referral: reference,
                referee: referee.externalID,
                points: reward.referrerPoints,
                refereePoints: reward.refereePoints,
                available: balance.available,
                pending: balance.pending
            )
        )
    }

    func referral(referee: UUID) async throws -> Referral? {
        try await referrals(where: "r.referee_id = '\(referee.uuidString.lowercased())'::uuid").first
    }

    public func referral(id: UUID) async throws -> Referral? {
        try await referrals(where: "r.id = '\(id.uuidString.lowercased())'::uuid").first
    }

    /// Referrals the member made, newest first.
    public func referrals(of member: UUID, limit: PageLimit, after cursor: PageCursor?) async throws -> Page<Referral> {
        let rows = try await query(
            """
            \(unescaped: Self.referralSelect)
            WHERE r.tenant_id = \(tenant.rawValue) AND r.referrer_id = \(member) AND \(after: cursor, on: "r")
            ORDER BY r.created_at DESC, r.id DESC
            LIMIT \(limit.value + 1)
            """
        )
        return Page.slicing(try await Self.referrals(rows), limit: limit) { $0.cursor }
    }

    /// `condition` is built from UUIDs only (hex and dashes), so it is safe to splice.
    private func referrals(where condition: String) async throws -> [Referral] {
        let rows = try await query(
            "\(unescaped: Self.referralSelect) WHERE r.tenant_id = \(tenant.rawValue) AND \(unescaped: condition)"
        )
        return try await Self.referrals(rows)
    }

    static func referrals(_ rows: PostgresRowSequence) async throws -> [Referral] {
        var all: [Referral] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            all.append(
                Referral(
                    id: try c.value(0, UUID.self),
                    referrer: try c.value(1, String.self),
                    referee: try c.value(2, String.self),
                    code: try c.value(3, String.self),
                    status: Referral.Status(rawValue: try c.value(4, String.self)) ?? .pending,
                    reason: try c.value(5, String?.self),
                    referrerPoints: try c.value(6, Int64.self),
                    refereePoints: try c.value(7, Int64.self),
                    createdAt: try c.value(8, Date.self),
                    rewardedAt: try c.value(9, Date?.self),
                    createdAtMicros: try c.value(10, Int64.self)
                )
            )
        }
        return all
    }
}
