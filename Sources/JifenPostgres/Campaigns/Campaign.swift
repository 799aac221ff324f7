import Foundation
import JifenCore

/// A campaign as the shop asks for it, validated.
public struct CampaignDraft: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `points` to every member in `filter` (at creation), with `reasonCode` in the ledger.
        case grant(points: Int64, reasonCode: String, sendEvents: Bool, filter: MemberFilter)
        /// ×`percent`/100 on orders paid in [`startsAt`, `endsAt`), on `category` lines only if set.
        case multiplier(percent: Int64, category: String?, startsAt: Date, endsAt: Date)
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) throws(JifenError) {
        var v = Validator()
        v.text(name, "name", max: 200, required: true)
        switch kind {
        case .grant(let points, let reasonCode, _, let filter):
            if !(1...1_000_000_000).contains(points) { v.fail("points", "must be between 1 and 1000000000") }
            if !ActivityRule.isValidType(reasonCode) {
                v.fail("reason_code", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
            }
            for (field, message) in filter.invalidFields { v.fail("filter.\(field)", message) }
        case .multiplier(let percent, let category, let startsAt, let endsAt):
            if !(1...10_000).contains(percent) { v.fail("multiplier_percent", "must be between 1 and 10000") }
            v.text(category, "category", max: 128)
            if endsAt <= startsAt { v.fail("ends_at", "must be after starts_at") }
        }
        try v.finish()
        self.name = name
        self.kind = kind
    }
}

/// A campaign as stored, with its progress.
public struct Campaign: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var kind: CampaignDraft.Kind
    /// Members granted so far, of `total` (grants only).
    public var done: Int
    public var total: Int
    public var completedAt: Date?
    public var createdAt: Date
}
