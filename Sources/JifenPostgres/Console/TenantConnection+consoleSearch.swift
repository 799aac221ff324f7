import Foundation
import JifenCore
import PostgresNIO

/// Reads the console needs that the API does not offer: finding a member by what a customer
/// says at the counter (their id, email or phone), and the shop's recent campaigns.
extension TenantConnection {
    /// Members whose external id, email or phone is `text`. Email and phone match by their
    /// keyed hashes, which ignore case and punctuation ("+86 138-0013-8000" finds
    /// "13800138000"), and by the plain value for rows written before those hashes existed.
    public func searchMembers(_ text: String, limit: Int = 20) async throws -> [Member] {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 254 else { return [] }
        let hasher = try await personalHasher()
        let rows = try await query(
            """
            \(unescaped: Self.memberSelect)
            WHERE m.tenant_id = \(tenant.rawValue) AND m.erased_at IS NULL
              AND (m.external_id = \(text) OR m.email_hash = \(hasher.email(text)) OR m.phone_hash = \(hasher.phone(text))
                   OR lower(m.email) = lower(\(text)) OR m.phone = \(text))
            ORDER BY m.created_at DESC, m.id
            LIMIT \(limit)
            """
        )
        var members: [Member] = []
        for try await row in rows { members.append(try Self.member(from: row)) }
        return members
    }

    /// The newest campaigns' ids, for the console's campaign list.
    public func recentCampaignIDs(limit: Int = 20) async throws -> [UUID] {
        let rows = try await query(
            """
            SELECT id FROM campaigns WHERE tenant_id = \(tenant.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        )
        return try await rows.decode(UUID.self).reduce(into: []) { $0.append($1) }
    }
}
