import Foundation
import JifenCore

/// A campaign as the shop asks for it, validated.
public struct CampaignDraft: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `points` to every member in `filter` (at creation), with `reasonCode` in the ledger.
        case grant(points: Int64, reasonCode: String, sendEvents: Bool, filter: MemberFilter)
        /// ×`percent`/100 on orders paid in [`startsAt`, `endsAt`), on `category` lines only if set.
        case multiplier(percent: Int64, category: String?, startsAt: Date, endsAt: Date)
        /// `count` coupons of `template` to every member in `filter` (at creation), the n-th valid
        /// from `intervalMonths` × n months after the issue ("four coupons of 50, one a month").
        case coupons(template: UUID, count: Int, intervalMonths: Int, filter: MemberFilter)
    }

    public var name: String
    public var kind: Kind
    /// Percent of the segment held out (grants and coupons): tracked, never given anything.
    public var holdoutPercent: Int64
    /// A purchase within this many days of the campaign counts as a response.
    public var evaluationDays: Int64

    public init(name: String, kind: Kind, holdoutPercent: Int64 = 0, evaluationDays: Int64 = 30) throws(JifenError) {
        var v = Validator()
        v.text(name, "name", max: 200, required: true)
        if !(0...50).contains(holdoutPercent) { v.fail("holdout_percent", "must be between 0 and 50") }
        if !(1...365).contains(evaluationDays) { v.fail("evaluation_days", "must be between 1 and 365") }
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
        case .coupons(_, let count, let interval, let filter):
            if !(1...24).contains(count) { v.fail("coupons.count", "must be between 1 and 24") }
            if !(0...12).contains(interval) { v.fail("coupons.interval_months", "must be between 0 and 12") }
            for (field, message) in filter.invalidFields { v.fail("filter.\(field)", message) }
        }
        try v.finish()
        self.name = name
        self.kind = kind
        self.holdoutPercent = holdoutPercent
        self.evaluationDays = evaluationDays
    }
}

/// A campaign as stored, with its progress.
public struct Campaign: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var kind: CampaignDraft.Kind
    /// Members granted so far, of `total` (grants and coupons).
    public var done: Int
    public var total: Int
    public var completedAt: Date?
    public var createdAt: Date
    public var holdoutPercent: Int64 = 0
    public var evaluationDays: Int64 = 30
    /// Members of the segment held out.
    public var heldOut: Int = 0
}
