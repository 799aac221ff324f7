import Foundation
import Testing

@testable import JifenCore

/// Journeys as the API receives them: their JSON, and every invalid field named at once.
@Suite struct JourneyDraftTests {
    static let template = UUID(uuidString: "0B5E1A52-7C1D-4E0F-9A31-2D4C6E8F1A3B")!
    static let from = Date(timeIntervalSince1970: 1_800_000_000)
    static let until = from.addingTimeInterval(30 * 86_400)

    static let steps: [JourneyDraft.Step] = [
        .init(waitDays: 0, action: .message(key: "we-miss-you")),
        .init(waitDays: 7, action: .coupon(template: template)),
        .init(waitDays: 14, onlyIfNotPurchased: true, action: .points(100, reasonCode: "win_back")),
    ]

    static func json(_ value: some Encodable) throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as! NSDictionary
    }

    static func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
    }

    @Test func entriesAreTaggedByKind() throws {
        let segment = JourneyDraft.Entry.segment(MemberFilter(tier: "gold", minOrders: 2, inactiveDays: 90))
        #expect(
            try Self.json(segment)
                == ["kind": "segment", "filter": ["tier": "gold", "min_orders": 2, "inactive_days": 90]] as NSDictionary
        )
        let firstOrder = JourneyDraft.Entry.firstOrder(from: Self.from, until: Self.until, minimumSpend: 29_900)
        let object = try Self.json(firstOrder)
        #expect(object["kind"] as? String == "first_order")
        #expect(object["minimum_spend"] as? Int == 29_900)
        #expect(object["from"] != nil && object["until"] != nil)
        #expect(
            try Self.json(JourneyDraft.Entry.lapsing(category: "cosmetics")) == [
                "kind": "lapsing", "category": "cosmetics",
            ]
        )
        for entry in [segment, firstOrder, .lapsing(category: "cosmetics")] {
            #expect(try Self.roundTrip(entry) == entry)
        }
        // A segment without a filter is every member.
        let all = try JSONDecoder().decode(JourneyDraft.Entry.self, from: Data(#"{"kind":"segment"}"#.utf8))
        #expect(all == .segment(MemberFilter()))
    }

    @Test func actionsAndStepsAreTaggedByKind() throws {
        #expect(
            try Self.json(JourneyDraft.Action.coupon(template: Self.template))
                == ["kind": "coupon", "template": Self.template.uuidString]
        )
        #expect(
            try Self.json(JourneyDraft.Action.points(100, reasonCode: "win_back"))
                == ["kind": "points", "points": 100, "reason_code": "win_back"]
        )
        #expect(
            try Self.json(JourneyDraft.Action.message(key: "thank-you")) == ["kind": "message", "key": "thank-you"]
        )
        #expect(
            try Self.json(Self.steps[2])
                == [
                    "wait_days": 14, "only_if_not_purchased": true,
                    "action": ["kind": "points", "points": 100, "reason_code": "win_back"],
                ] as NSDictionary
        )
        let step = try JSONDecoder().decode(
            JourneyDraft.Step.self,
            from: Data(#"{"wait_days":30,"action":{"kind":"message","key":"thank-you"}}"#.utf8)
        )
        #expect(step == .init(waitDays: 30, onlyIfNotPurchased: false, action: .message(key: "thank-you")))
    }

    @Test func unknownKindsAreRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(JourneyDraft.Entry.self, from: Data(#"{"kind":"birthday"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(JourneyDraft.Action.self, from: Data(#"{"kind":"sms","key":"x"}"#.utf8))
        }
    }

    @Test func aJourneyRoundTripsWithItsDefaults() throws {
        let journey = JourneyDraft(
            name: "Win back cosmetics",
            entry: .lapsing(category: "cosmetics"),
            steps: Self.steps,
            cycles: 2,
            holdoutPercent: 10,
            evaluationDays: 14
        )
        #expect(try Self.roundTrip(journey) == journey)
        let object = try Self.json(journey)
        #expect(object["holdout_percent"] as? Int == 10)
        #expect(object["evaluation_days"] as? Int == 14)
        #expect(object["exit_on_purchase"] as? Bool == true)
        let minimal = #"""
            {"name":"n","entry":{"kind":"lapsing","category":"c"},"evaluation_days":7,
             "steps":[{"wait_days":1,"action":{"kind":"message","key":"k"}}]}
            """#
        let decoded = try JSONDecoder().decode(JourneyDraft.self, from: Data(minimal.utf8))
        #expect(decoded.cycles == 1 && decoded.holdoutPercent == 0 && decoded.exitOnPurchase)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var entry: JourneyDraft.Entry = .lapsing(category: "cosmetics")
        var steps: [JourneyDraft.Step] = JourneyDraftTests.steps
        var cycles = 2
        var holdoutPercent: Int64 = 10
        var evaluationDays: Int64 = 14
        var journeyName = "Win back"
        /// The invalid fields, in order; empty: valid.
        var fields: [String]

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "valid", fields: []),
        Case(name: "the bounds are valid", cycles: 10, holdoutPercent: 50, evaluationDays: 365, fields: []),
        Case(name: "no holdout, one cycle", cycles: 1, holdoutPercent: 0, evaluationDays: 1, fields: []),
        Case(name: "empty name", journeyName: "", fields: ["name"]),
        Case(name: "long name", journeyName: String(repeating: "n", count: 201), fields: ["name"]),
        Case(name: "no steps", steps: [], fields: ["steps"]),
        Case(
            name: "eleven steps",
            steps: Array(repeating: .init(waitDays: 1, action: .message(key: "m")), count: 11),
            fields: ["steps"]
        ),
        Case(name: "no cycles", cycles: 0, fields: ["cycles"]),
        Case(name: "eleven cycles", cycles: 11, fields: ["cycles"]),
        Case(name: "negative holdout", holdoutPercent: -1, fields: ["holdout_percent"]),
        Case(name: "holdout over half", holdoutPercent: 51, fields: ["holdout_percent"]),
        Case(name: "no evaluation window", evaluationDays: 0, fields: ["evaluation_days"]),
        Case(name: "evaluation over a year", evaluationDays: 366, fields: ["evaluation_days"]),
        Case(
            name: "every step field",
            steps: [
                .init(waitDays: -1, action: .message(key: "ok")),
                .init(waitDays: 366, action: .points(0, reasonCode: "Win back")),
                .init(waitDays: 365, action: .points(1_000_000_001, reasonCode: "1st")),
                .init(waitDays: 0, action: .message(key: "")),
                .init(waitDays: 0, action: .message(key: "Thank you")),
                .init(waitDays: 0, action: .message(key: String(repeating: "k", count: 65))),
                .init(waitDays: 0, action: .points(1_000_000_000, reasonCode: "win_back.v2")),
                .init(waitDays: 0, action: .message(key: "2nd.reminder_b-1")),
            ],
            fields: [
                "steps[0].wait_days", "steps[1].wait_days", "steps[1].action.points", "steps[1].action.reason_code",
                "steps[2].action.points", "steps[2].action.reason_code", "steps[3].action.key", "steps[4].action.key",
                "steps[5].action.key",
            ]
        ),
        Case(
            name: "first order ending before it starts",
            entry: .firstOrder(from: until, until: from, minimumSpend: -1),
            fields: ["entry.until", "entry.minimum_spend"]
        ),
        Case(
            name: "first order over an empty window",
            entry: .firstOrder(from: from, until: from, minimumSpend: 0),
            fields: ["entry.until"]
        ),
        Case(name: "first order", entry: .firstOrder(from: from, until: until, minimumSpend: 29_900), fields: []),
        Case(name: "lapsing without a category", entry: .lapsing(category: ""), fields: ["entry.category"]),
        Case(
            name: "lapsing with a long category",
            entry: .lapsing(category: String(repeating: "c", count: 129)),
            fields: ["entry.category"]
        ),
        Case(name: "every member", entry: .segment(MemberFilter()), fields: []),
        Case(
            name: "a segment no member could match",
            entry: .segment(
                MemberFilter(
                    tag: "",
                    tier: String(repeating: "t", count: 65),
                    minOrders: -1,
                    maxOrders: 1_000_000_001,
                    minSpend: -1,
                    maxSpend: 100_000_000_000_001,
                    inactiveDays: 0
                )
            ),
            fields: [
                "entry.filter.tag", "entry.filter.tier", "entry.filter.min_orders", "entry.filter.max_orders",
                "entry.filter.min_spend", "entry.filter.max_spend", "entry.filter.inactive_days",
            ]
        ),
        Case(
            name: "a segment at its bounds",
            entry: .segment(
                MemberFilter(
                    tag: "vip",
                    tier: "gold",
                    minOrders: 0,
                    maxOrders: 1_000_000_000,
                    minSpend: 0,
                    maxSpend: 100_000_000_000_000,
                    inactiveDays: 36_500
                )
            ),
            fields: []
        ),
        Case(
            name: "everything at once",
            entry: .segment(MemberFilter(inactiveDays: 36_501)),
            steps: [.init(waitDays: 400, action: .message(key: "ok"))],
            cycles: 0,
            holdoutPercent: 60,
            evaluationDays: 0,
            journeyName: "",
            fields: [
                "name", "entry.filter.inactive_days", "steps[0].wait_days", "cycles", "holdout_percent",
                "evaluation_days",
            ]
        ),
    ]

    @Test(arguments: cases)
    func validationNamesEveryInvalidField(_ c: Case) {
        do {
            let journey = try JourneyDraft.validate(
                name: c.journeyName,
                entry: c.entry,
                steps: c.steps,
                cycles: c.cycles,
                holdoutPercent: c.holdoutPercent,
                evaluationDays: c.evaluationDays,
                exitOnPurchase: false
            )
            #expect(c.fields.isEmpty, "valid, expected \(c.fields)")
            #expect(journey.steps == c.steps && journey.entry == c.entry && !journey.exitOnPurchase)
        } catch {
            #expect(error.code == .validationFailed)
            #expect(error.fieldErrors.map(\.field) == c.fields)
        }
    }
}
