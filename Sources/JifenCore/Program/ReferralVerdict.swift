import Foundation

/// What becomes of a referral, decided from the facts the store read: at attribution, whether a
/// fraud rule refuses it at once; when the referee's first qualifying order counts, whether the
/// referrer's monthly limit refuses it, or what each party gets. The store carries it out (the
/// referral row, the lots, `referral.rewarded` or `referral.rejected`); every rule that refuses
/// or pays a referral lives here, so a rule change is a change to this file and its table in
/// `ReferralVerdictTests` (the rules: docs/points-rules.md, "Referrals").
public enum ReferralVerdict: Sendable, Hashable {
    /// Attributed: waits for the referee's first qualifying order.
    case pending
    /// Refused, with the reason the shop sees.
    case rejected(ReferralRejection)
    /// Paid, by the program's policy.
    case rewarded(ReferralReward)

    /// A member as the fraud rules compare it. The rules only test equality, so the store
    /// passes keyed hashes of the normalised values (``PersonalValue``), which an erased member
    /// still has after its email and phone are gone (docs/privacy.md).
    public struct Person: Sendable, Hashable {
        public var id: UUID
        /// The email, lowercased, or what stands for it; nil without one.
        public var email: String?
        /// The phone's digits, or what stands for them; empty without a phone.
        public var phone: String

        public init(id: UUID, email: String? = nil, phone: String = "") {
            (self.id, self.email, self.phone) = (id, email, phone)
        }
    }

    /// The rules judged at attribution, first match wins: the same person (the same member, or
    /// the same email or phone), an existing customer (`refereeHasOrdered`: a paid or refunded
    /// order), one IP too often (`referralsFromIP` in the last 24 hours, counted only when the
    /// shop sent the `ip`, against `rules`' limit; `nil` rules: no referral program, no limit).
    public static func atAttribution(
        referrer: Person,
        referee: Person,
        refereeHasOrdered: Bool,
        ip: String?,
        referralsFromIP: Int64,
        rules: ReferralRules?
    ) -> ReferralVerdict {
        if referrer.id == referee.id { return .rejected(.selfReferral) }
        if let email = referee.email, email == referrer.email { return .rejected(.selfReferral) }
        if !referee.phone.isEmpty, referee.phone == referrer.phone { return .rejected(.selfReferral) }
        if refereeHasOrdered { return .rejected(.alreadyCustomer) }
        if let limit = rules?.maxPerIPPerDay, ip != nil, referralsFromIP >= limit { return .rejected(.sameIPLimit) }
        return .pending
    }

    /// When the referee's first qualifying order counts: refused if the referrer already had
    /// `maxRewardsPerMonth` referrals rewarded this month (``ReferralRules/rewardMonth(containing:in:)``),
    /// otherwise paid.
    public static func atQualifyingOrder(rules: ReferralRules, referrerRewardedThisMonth: Int64) -> ReferralVerdict {
        if let limit = rules.maxRewardsPerMonth, referrerRewardedThisMonth >= limit {
            return .rejected(.referrerMonthlyLimit)
        }
        return .rewarded(ReferralReward(referrerPoints: rules.referrerPoints, refereePoints: rules.refereePoints))
    }

    /// Why it was refused, if it was.
    public var rejection: ReferralRejection? {
        if case .rejected(let reason) = self { reason } else { nil }
    }
}

/// What a rewarded referral pays, as the referral row records it.
public struct ReferralReward: Sendable, Hashable {
    public enum Party: String, Sendable, Hashable {
        case referrer, referee
    }

    public struct Grant: Sendable, Hashable {
        public var party: Party
        public var points: Int64
    }

    public var referrerPoints: Int64
    public var refereePoints: Int64

    public init(referrerPoints: Int64, refereePoints: Int64) {
        (self.referrerPoints, self.refereePoints) = (referrerPoints, refereePoints)
    }

    /// The lots to grant, referrer first: a party given no points gets no lot.
    public var grants: [Grant] {
        [Grant(party: .referrer, points: referrerPoints), Grant(party: .referee, points: refereePoints)]
            .filter { $0.points > 0 }
    }
}

extension ReferralRules {
    /// The calendar month, in the program's time zone, whose rewards count against
    /// `maxRewardsPerMonth`.
    public func rewardMonth(containing now: Date, in zone: TimeZone) -> DateInterval {
        Calendar.gregorian(in: zone).dateInterval(of: .month, for: now) ?? DateInterval(start: now, duration: 0)
    }
}
