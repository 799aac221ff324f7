import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Erases a member's personal data (docs/privacy.md): its email, phone, name and tags are
    /// cleared (keyed hashes of the email and phone stay, for the fraud checks), its external id
    /// becomes a random token everywhere Jifen stored it (the member row, its events and their
    /// webhook deliveries, the other party's referral events), the stored answers of requests
    /// that named it are dropped, and `member.erased` is recorded. The ledger, lots, orders and
    /// balances stay as they are: they hold amounts and ids, and the audit and reports need them.
    ///
    /// `nil` when the tenant has no such member and never erased one by that id. Erasing again
    /// (by the old id, or by the token) answers the first erasure's record and changes nothing,
    /// except that a repeat may allow a reuse the first did not. A member with open holds (points
    /// or wallet) is refused: a checkout is under way, to be captured or released first.
    public func eraseMember(_ externalID: ExternalID, allowReuse: Bool, now: Date = Date()) async throws -> Erasure? {
        let hasher = try await personalHasher()
        let rows = try await query(
            """
            SELECT id, email, phone, name, erased_at IS NOT NULL FROM members
            WHERE tenant_id = \(tenant.rawValue) AND external_id = \(externalID.rawValue)
            """
        )
        guard
            let (id, email, phone, name, erased) = try await rows.decode((UUID, String?, String?, String?, Bool).self)
                .first(where: { _ in true })
        else {
            return try await repeatedErasure(idHash: hasher.externalID(externalID), allowReuse: allowReuse)
        }
        if erased { return try await repeatedErasure(member: id, allowReuse: allowReuse) }

        // The balance row first, then the member's: the lock order every path keeps.
        var member = try await lockMember(id)
        let open = try await query(
            """
            SELECT (SELECT count(*) FROM redemptions WHERE tenant_id = \(tenant.rawValue) AND member_id = \(id)
                    AND state = 'held')
                 + (SELECT count(*) FROM wallet_holds WHERE tenant_id = \(tenant.rawValue) AND member_id = \(id)
                    AND state = 'held')
            """
        )
        let holds = try await open.decode(Int64.self).first(where: { _ in true }) ?? 0
        guard holds == 0 else {
            throw JifenError.conflict(
                "member '\(externalID)' has \(holds) open hold(s): capture or release them before erasing it"
            )
        }

        let token = Erasure.newToken()
        let updated = try await query(
            """
            UPDATE members SET external_id = \(token), email = NULL, phone = NULL, name = NULL, tags = '{}',
                               email_hash = coalesce(\(hasher.email(email)), email_hash),
                               phone_hash = coalesce(\(hasher.phone(phone)), phone_hash),
                               erased_at = \(now), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND erased_at IS NULL
            RETURNING id
            """
        )
        guard try await updated.decode(UUID.self).first(where: { _ in true }) != nil else {
            // Erased by a concurrent request since the first read: answer as a repeat.
            return try await repeatedErasure(member: id, allowReuse: allowReuse)
        }
        try await query(
            """
            INSERT INTO member_erasures (tenant_id, external_id_hash, member_id, token, allow_reuse, erased_at)
            VALUES (\(tenant.rawValue), \(hasher.externalID(externalID)), \(id), \(token), \(allowReuse), \(now))
            ON CONFLICT (tenant_id, external_id_hash) DO UPDATE
            SET member_id = EXCLUDED.member_id, token = EXCLUDED.token, allow_reuse = EXCLUDED.allow_reuse,
                erased_at = EXCLUDED.erased_at
            """
        )
        try await scrub(
            member: id,
            externalID: externalID.rawValue,
            token: token,
            personal: [email, phone, name].compactMap { $0 }
        )
        member.externalID = token
        try await recordEvent(member, MemberErased(erasedAt: now, allowReuse: allowReuse))
        return Erasure(token: token, erasedAt: now, allowReuse: allowReuse)
    }

    /// The member's id and personal values out of the copies Jifen keeps of what it said about
    /// the member: its events and those of the members its referrals name (referral events carry
    /// the other party's id), their webhook deliveries (the bodies as sent; the endpoints'
    /// answers are dropped, as they may echo them), the stored answers of idempotent requests that
    /// mention it, the metadata of its activities and the IP of its referral.
    private func scrub(member: UUID, externalID: String, token: String, personal: [String]) async throws {
        // As JSON strings: the exact values, not a longer id that starts the same.
        var olds = [Self.jsonString(externalID)]
        var news = [Self.jsonString(token)]
        for value in personal {
            for spelling in Self.jsonSpellings(value) where !olds.contains(spelling) {
                olds.append(spelling)
                news.append(Self.jsonString("erased"))
            }
        }
        try await query(
            """
            WITH parties AS (
                SELECT \(member)::uuid AS id
                UNION SELECT referee_id FROM referrals WHERE tenant_id = \(tenant.rawValue) AND referrer_id = \(member)
                UNION SELECT referrer_id FROM referrals WHERE tenant_id = \(tenant.rawValue) AND referee_id = \(member)
            ),
            events AS (
                SELECT e.id FROM domain_events e
                WHERE e.tenant_id = \(tenant.rawValue) AND e.member_id IN (SELECT id FROM parties)
                  AND jifen_contains_any(e.data::text, \(olds)::text[])
            ),
            changed_events AS (
                UPDATE domain_events e SET data = jifen_replace_all(e.data::text, \(olds)::text[], \(news)::text[])::jsonb
                WHERE e.tenant_id = \(tenant.rawValue) AND e.id IN (SELECT id FROM events)
            ),
            deliveries AS (
                UPDATE webhook_deliveries d SET payload = jifen_replace_all(d.payload, \(olds)::text[], \(news)::text[])
                WHERE d.tenant_id = \(tenant.rawValue) AND d.event_id IN (SELECT id FROM events)
                RETURNING d.id
            )
            UPDATE webhook_attempts a SET response = NULL
            WHERE a.tenant_id = \(tenant.rawValue) AND a.delivery_id IN (SELECT id FROM deliveries)
              AND a.response IS NOT NULL
            """
        )
        try await dropStoredAnswers(mentioning: olds + [externalID] + personal.filter { $0.count >= 6 })
        try await query(
            """
            UPDATE activities SET metadata = '{}'
            WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member) AND metadata <> '{}'
            """
        )
        try await query(
            """
            UPDATE referrals SET ip = NULL
            WHERE tenant_id = \(tenant.rawValue) AND referee_id = \(member) AND ip IS NOT NULL
            """
        )
    }

    /// Drops the stored answers of idempotent requests that mention the member: not rewritten (a
    /// replay would answer with a token the request never named). They are sealed
    /// (``IdempotencyStore``), so SQL cannot search them: those still replayable (24 hours) are
    /// opened here, and those older, which are never replayed again, are all deleted, whoever
    /// they mention. `needles` holds the raw values too, as a problem's `detail` quotes an id in
    /// prose.
    private func dropStoredAnswers(mentioning needles: [String]) async throws {
        try await query(
            """
            DELETE FROM idempotency_keys
            WHERE tenant_id = \(tenant.rawValue) AND created_at < now() - interval '24 hours'
            """
        )
        let rows = try await query(
            """
            SELECT key, response_body FROM idempotency_keys
            WHERE tenant_id = \(tenant.rawValue) AND state = 'done' AND response_body IS NOT NULL
            """
        )
        var mentioning: [String] = []
        for try await (key, body) in rows.decode((String, Data).self) {
            // Answers stored before they were sealed are plain JSON (never starting with 0x01).
            let text =
                SecretBox.keyID(of: body) == nil
                ? String(decoding: body, as: UTF8.self)
                : try secrets.open(body, context: IdempotencyStore.context(tenant, key))
            if needles.contains(where: { text.contains($0) }) { mentioning.append(key) }
        }
        guard !mentioning.isEmpty else { return }
        try await query(
            "DELETE FROM idempotency_keys WHERE tenant_id = \(tenant.rawValue) AND key = ANY(\(mentioning))"
        )
    }

    static func jsonString(_ value: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\(value)\""
    }

    /// The ways a JSON writer may spell `value`: Jifen's (slashes as is, as PostgreSQL writes
    /// jsonb) and Foundation's default (`\/`).
    static func jsonSpellings(_ value: String) -> [String] {
        let plain = jsonString(value)
        let escaped = plain.replacingOccurrences(of: "/", with: "\\/")
        return plain == escaped ? [plain] : [plain, escaped]
    }

    /// A repeated erasure by the old external id: the record, or nil if it was never erased.
    private func repeatedErasure(idHash: Data, allowReuse: Bool) async throws -> Erasure? {
        let rows = try await query(
            """
            UPDATE member_erasures SET allow_reuse = allow_reuse OR \(allowReuse)
            WHERE tenant_id = \(tenant.rawValue) AND external_id_hash = \(idHash)
            RETURNING token, erased_at, allow_reuse
            """
        )
        for try await (token, erasedAt, reuse) in rows.decode((String, Date, Bool).self) {
            return Erasure(token: token, erasedAt: erasedAt, allowReuse: reuse)
        }
        return nil
    }

    /// A repeated erasure by the token: the record the member's erasure left. Without one (the
    /// old id was reused and that member erased too, which moved the record), the member row's.
    private func repeatedErasure(member: UUID, allowReuse: Bool) async throws -> Erasure? {
        let rows = try await query(
            """
            WITH record AS (
                UPDATE member_erasures SET allow_reuse = allow_reuse OR \(allowReuse)
                WHERE tenant_id = \(tenant.rawValue) AND member_id = \(member)
                RETURNING member_id, allow_reuse
            )
            SELECT m.external_id, m.erased_at, coalesce((SELECT bool_or(allow_reuse) FROM record), true)
            FROM members m WHERE m.tenant_id = \(tenant.rawValue) AND m.id = \(member)
            """
        )
        for try await (token, erasedAt, reuse) in rows.decode((String, Date?, Bool).self) {
            guard let erasedAt else { continue }
            return Erasure(token: token, erasedAt: erasedAt, allowReuse: reuse)
        }
        return nil
    }

    /// The erased member `order` belongs to, if the shop names that member by its old id
    /// (`idHash`) or by its `token`.
    func erasedOwner(of order: ExternalID, idHash: Data? = nil, token: ExternalID? = nil) async throws -> UUID? {
        let rows = try await query(
            """
            SELECT m.id FROM orders o JOIN members m ON m.tenant_id = o.tenant_id AND m.id = o.member_id
            WHERE o.tenant_id = \(tenant.rawValue) AND o.external_id = \(order.rawValue) AND m.erased_at IS NOT NULL
              AND (m.external_id = \(token?.rawValue)
                   OR EXISTS (SELECT 1 FROM member_erasures e WHERE e.tenant_id = m.tenant_id AND e.member_id = m.id
                              AND e.external_id_hash = \(idHash)))
            """
        )
        return try await rows.decode(UUID.self).first(where: { _ in true })
    }

    /// Whether `externalID` names a member the shop erased without allowing its id again.
    func isRefusedErasedID(_ externalID: ExternalID, hasher: PersonalHasher) async throws -> Bool {
        let rows = try await query(
            """
            SELECT allow_reuse FROM member_erasures
            WHERE tenant_id = \(tenant.rawValue) AND external_id_hash = \(hasher.externalID(externalID))
            """
        )
        guard let reuse = try await rows.decode(Bool.self).first(where: { _ in true }) else { return false }
        return !reuse
    }

    /// A new member under an id the shop erased without allowing its reuse.
    public static func refusedErasedID(_ externalID: ExternalID) -> JifenError {
        JifenError.conflict(
            "member '\(externalID)' was erased and its id may not be used again; erase it with "
                + "allow_reuse=true to give the id to a new member"
        )
    }

    /// An erased member addressed by its token: it takes no new profile, orders or referrals.
    public static func erasedMember(_ externalID: ExternalID) -> JifenError {
        JifenError.conflict("member '\(externalID)' was erased: it takes no new personal data, orders or referrals")
    }

    /// Whether `error` is the refusal of an erased member `externalID` (either kind), which
    /// leaves nothing written: an inbound webhook acknowledges it instead of having the
    /// platform retry an order no one may earn on.
    public static func isErasureRefusal(_ error: JifenError, member externalID: ExternalID) -> Bool {
        error == refusedErasedID(externalID) || error == erasedMember(externalID)
    }
}
