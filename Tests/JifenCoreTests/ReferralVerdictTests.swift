import Foundation
import Testing

@testable import JifenCore

/// Every rule that refuses or pays a referral, without a database.
@Suite struct ReferralVerdictTests {
    static let referrerID = UUID()
    static let refereeID = UUID()
    static let referrer = ReferralVerdict.Person(id: referrerID, email: "ana@example.com", phone: "8613800000000")

    struct Attribution: Sendable, CustomTestStringConvertible {
        var name: String
        var referee: ReferralVerdict.Person
        var ordered = false
        var ip: String? = nil
        var fromIP: Int64 = 0
        var rules: ReferralRules? = ReferralRules(referrerPoints: 500, maxPerIPPerDay: 3)
        var verdict: ReferralVerdict

        var testDescription: String { name }
    }

    static let attributions: [Attribution] = [
        Attribution(
            name: "a new friend waits for its first order",
            referee: .init(id: refereeID, email: "bo@example.com", phone: "8613900000000"),
            ip: "203.0.113.9",
            fromIP: 2,
            verdict: .pending
        ),
        Attribution(name: "the referrer itself", referee: .init(id: referrerID), verdict: .rejected(.selfReferral)),
        Attribution(
            name: "the referrer's email",
            referee: .init(id: refereeID, email: "ana@example.com"),
            verdict: .rejected(.selfReferral)
        ),
        Attribution(
            name: "the referrer's phone",
            referee: .init(id: refereeID, phone: "8613800000000"),
            verdict: .rejected(.selfReferral)
        ),
        Attribution(
            name: "a referee without email or phone",
            referee: .init(id: refereeID),
            verdict: .pending
        ),
        Attribution(
            name: "an existing customer",
            referee: .init(id: refereeID),
            ordered: true,
            verdict: .rejected(.alreadyCustomer)
        ),
        Attribution(
            name: "the same person before an existing customer",
            referee: .init(id: refereeID, email: "ana@example.com"),
            ordered: true,
            verdict: .rejected(.selfReferral)
        ),
        Attribution(
            name: "one IP too often",
            referee: .init(id: refereeID),
            ip: "203.0.113.9",
            fromIP: 3,
            verdict: .rejected(.sameIPLimit)
        ),
        Attribution(
            name: "an existing customer before one IP too often",
            referee: .init(id: refereeID),
            ordered: true,
            ip: "203.0.113.9",
            fromIP: 3,
            verdict: .rejected(.alreadyCustomer)
        ),
        Attribution(
            name: "no IP sent: no IP limit",
            referee: .init(id: refereeID),
            fromIP: 3,
            verdict: .pending
        ),
        Attribution(
            name: "no IP limit in the program",
            referee: .init(id: refereeID),
            ip: "203.0.113.9",
            fromIP: 100,
            rules: ReferralRules(referrerPoints: 500),
            verdict: .pending
        ),
        Attribution(
            name: "no referral program: the fraud rules still apply",
            referee: .init(id: refereeID),
            ordered: true,
            ip: "203.0.113.9",
            fromIP: 100,
            rules: nil,
            verdict: .rejected(.alreadyCustomer)
        ),
        Attribution(
            name: "no referral program, no IP limit",
            referee: .init(id: refereeID),
            ip: "203.0.113.9",
            fromIP: 100,
            rules: nil,
            verdict: .pending
        ),
    ]

    @Test(arguments: attributions)
    func judgesTheAttribution(_ c: Attribution) {
        let verdict = ReferralVerdict.atAttribution(
            referrer: Self.referrer,
            referee: c.referee,
            refereeHasOrdered: c.ordered,
            ip: c.ip,
            referralsFromIP: c.fromIP,
            rules: c.rules
        )
        #expect(verdict == c.verdict)
        #expect(verdict.rejection == c.verdict.rejection)
    }

    @Test(arguments: [
        // (referrer points, referee points, monthly limit, rewarded this month, outcome)
        (Int64(500), Int64(200), Int64?.none, Int64(40), "referrer 500, referee 200"),
        (500, 200, 10, 9, "referrer 500, referee 200"),
        (500, 200, 10, 10, "rejected referrer_monthly_limit"),
        (500, 200, 0, 0, "rejected referrer_monthly_limit"),
        (500, 0, nil, 0, "referrer 500"),
        (0, 200, nil, 0, "referee 200"),
        (0, 0, nil, 0, ""),
    ])
    func paysOrRefusesWhenTheFirstOrderQualifies(
        referrerPoints: Int64,
        refereePoints: Int64,
        limit: Int64?,
        rewarded: Int64,
        outcome: String
    ) {
        let rules = ReferralRules(
            referrerPoints: referrerPoints,
            refereePoints: refereePoints,
            maxRewardsPerMonth: limit
        )
        switch ReferralVerdict.atQualifyingOrder(rules: rules, referrerRewardedThisMonth: rewarded) {
        case .pending:
            Issue.record("a qualifying order never leaves a referral pending")
        case .rejected(let reason):
            #expect("rejected \(reason.rawValue)" == outcome)
        case .rewarded(let reward):
            // The row records the policy's points even for a party given none.
            #expect(reward == ReferralReward(referrerPoints: referrerPoints, refereePoints: refereePoints))
            let grants = reward.grants.map { "\($0.party.rawValue) \($0.points)" }.joined(separator: ", ")
            #expect(grants == outcome)
        }
    }

    @Test func theMonthlyLimitCountsTheCalendarMonthInTheProgramsZone() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        // 2027-01-31 17:00 UTC is already February 1st in Shanghai.
        let now = try Date("2027-01-31T17:00:00Z", strategy: .iso8601)
        let month = ReferralRules(referrerPoints: 1).rewardMonth(containing: now, in: shanghai)
        #expect(month.start == (try Date("2027-01-31T16:00:00Z", strategy: .iso8601)))
        #expect(month.end == (try Date("2027-02-28T16:00:00Z", strategy: .iso8601)))
        let utc = ReferralRules(referrerPoints: 1).rewardMonth(containing: now, in: .gmt)
        #expect(utc.start == (try Date("2027-01-01T00:00:00Z", strategy: .iso8601)))
    }
}
