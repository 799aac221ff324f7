import Foundation

/// A win-back journey as the API receives it: who enters (`entry`), what happens to them and
/// when (`steps`, repeated `cycles` times), and how its effect is measured — a control group of
/// `holdoutPercent` % of the members who enter (see ``Holdout``) is tracked through the same
/// steps but never stimulated, and a purchase within `evaluationDays` after a step counts as a
/// response (see ``Lift``).
///
/// JSON: `{"name": …, "entry": {…}, "steps": [{…}], "cycles": 2, "holdout_percent": 10,
/// "evaluation_days": 14, "exit_on_purchase": true}`.
public struct JourneyDraft: Sendable, Hashable, Codable {
    /// Who enters the journey.
    public enum Entry: Sendable, Hashable, Codable {
        /// The members matching the filter when the journey starts.
        /// JSON `{"kind": "segment", "filter": {…}}`.
        case segment(MemberFilter)
        /// Members whose first order is paid in [`from`, `until`) and comes to at least
        /// `minimumSpend` minor units: a welcome series towards the second order.
        /// JSON `{"kind": "first_order", "from": …, "until": …, "minimum_spend": 29900}`.
        case firstOrder(from: Date, until: Date, minimumSpend: Int64)
        /// Members whose last purchase in `category` is past its repurchase window (see
        /// ``RepurchaseWindows``). JSON `{"kind": "lapsing", "category": "cosmetics"}`.
        case lapsing(category: String)

        /// The JSON discriminator: `segment`, `first_order` or `lapsing`.
        public var kind: String {
            switch self {
            case .segment: "segment"
            case .firstOrder: "first_order"
            case .lapsing: "lapsing"
            }
        }

        enum CodingKeys: String, CodingKey {
            case kind, filter, from, until, category
            case minimumSpend = "minimum_spend"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .kind) {
            case "segment":
                self = .segment(try c.decodeIfPresent(MemberFilter.self, forKey: .filter) ?? MemberFilter())
            case "first_order":
                self = .firstOrder(
                    from: try c.decode(Date.self, forKey: .from),
                    until: try c.decode(Date.self, forKey: .until),
                    minimumSpend: try c.decodeIfPresent(Int64.self, forKey: .minimumSpend) ?? 0
                )
            case "lapsing":
                self = .lapsing(category: try c.decode(String.self, forKey: .category))
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .kind,
                    in: c,
                    debugDescription: "unknown entry kind '\(other)': must be segment, first_order or lapsing"
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            switch self {
            case .segment(let filter):
                try c.encode(filter, forKey: .filter)
            case .firstOrder(let from, let until, let minimumSpend):
                try c.encode(from, forKey: .from)
                try c.encode(until, forKey: .until)
                try c.encode(minimumSpend, forKey: .minimumSpend)
            case .lapsing(let category):
                try c.encode(category, forKey: .category)
            }
        }
    }

    /// What a step does to a stimulated member.
    public enum Action: Sendable, Hashable, Codable {
        /// Issue a coupon of the template. JSON `{"kind": "coupon", "template": uuid}`.
        case coupon(template: UUID)
        /// Grant points, with `reasonCode` in the ledger.
        /// JSON `{"kind": "points", "points": 100, "reason_code": "win_back"}`.
        case points(Int64, reasonCode: String)
        /// Record a message for the shop to send (its template is the shop's, by `key`).
        /// JSON `{"kind": "message", "key": "thank-you"}`.
        case message(key: String)

        /// The JSON discriminator: `coupon`, `points` or `message`.
        public var kind: String {
            switch self {
            case .coupon: "coupon"
            case .points: "points"
            case .message: "message"
            }
        }

        enum CodingKeys: String, CodingKey {
            case kind, template, points, key
            case reasonCode = "reason_code"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .kind) {
            case "coupon":
                self = .coupon(template: try c.decode(UUID.self, forKey: .template))
            case "points":
                self = .points(
                    try c.decode(Int64.self, forKey: .points),
                    reasonCode: try c.decode(String.self, forKey: .reasonCode)
                )
            case "message":
                self = .message(key: try c.decode(String.self, forKey: .key))
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .kind,
                    in: c,
                    debugDescription: "unknown action kind '\(other)': must be coupon, points or message"
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            switch self {
            case .coupon(let template):
                try c.encode(template, forKey: .template)
            case .points(let points, let reasonCode):
                try c.encode(points, forKey: .points)
                try c.encode(reasonCode, forKey: .reasonCode)
            case .message(let key):
                try c.encode(key, forKey: .key)
            }
        }
    }

    /// One step: `waitDays` after the previous step (or after entering, for the first step of
    /// the first cycle), perform `action`.
    /// JSON `{"wait_days": 30, "only_if_not_purchased": true, "action": {…}}`.
    public struct Step: Sendable, Hashable, Codable {
        /// Days of 86,400 seconds after the previous step was due (see ``JourneyStepper``).
        public var waitDays: Int64
        /// Skip the stimulus (the step is still recorded) when the member has purchased since
        /// the previous step: only matters when the journey does not exit on purchase.
        public var onlyIfNotPurchased: Bool
        public var action: Action

        public init(waitDays: Int64, onlyIfNotPurchased: Bool = false, action: Action) {
            self.waitDays = waitDays
            self.onlyIfNotPurchased = onlyIfNotPurchased
            self.action = action
        }

        enum CodingKeys: String, CodingKey {
            case action
            case waitDays = "wait_days"
            case onlyIfNotPurchased = "only_if_not_purchased"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            waitDays = try c.decode(Int64.self, forKey: .waitDays)
            onlyIfNotPurchased = try c.decodeIfPresent(Bool.self, forKey: .onlyIfNotPurchased) ?? false
            action = try c.decode(Action.self, forKey: .action)
        }
    }

    public static let maxSteps = 10
    public static let maxCycles = 10
    /// At most half the members are held out: a journey exists to stimulate.
    public static let maxHoldoutPercent: Int64 = 50
    public static let maxEvaluationDays: Int64 = 365
    public static let maxWaitDays: Int64 = 365
    public static let maxPoints: Int64 = 1_000_000_000

    public var name: String
    public var entry: Entry
    /// 1 to 10, in order.
    public var steps: [Step]
    /// 1 to 10: the steps repeat this many times, the first step of a cycle waiting from the
    /// last step of the one before.
    public var cycles: Int
    /// 0 to 50: the share of entering members held out as the control group.
    public var holdoutPercent: Int64
    /// 1 to 365: a purchase within this many days after a step counts as a response to it.
    public var evaluationDays: Int64
    /// A member who purchases after entering leaves the journey (the default): the journey has
    /// done its job, and stimulating it further only costs.
    public var exitOnPurchase: Bool

    /// An unchecked journey (a stored one, or in tests); ``validate(name:entry:steps:cycles:holdoutPercent:evaluationDays:exitOnPurchase:)``
    /// checks one from a request.
    public init(
        name: String,
        entry: Entry,
        steps: [Step],
        cycles: Int = 1,
        holdoutPercent: Int64 = 0,
        evaluationDays: Int64,
        exitOnPurchase: Bool = true
    ) {
        self.name = name
        self.entry = entry
        self.steps = steps
        self.cycles = cycles
        self.holdoutPercent = holdoutPercent
        self.evaluationDays = evaluationDays
        self.exitOnPurchase = exitOnPurchase
    }

    enum CodingKeys: String, CodingKey {
        case name, entry, steps, cycles
        case holdoutPercent = "holdout_percent"
        case evaluationDays = "evaluation_days"
        case exitOnPurchase = "exit_on_purchase"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        entry = try c.decode(Entry.self, forKey: .entry)
        steps = try c.decode([Step].self, forKey: .steps)
        cycles = try c.decodeIfPresent(Int.self, forKey: .cycles) ?? 1
        holdoutPercent = try c.decodeIfPresent(Int64.self, forKey: .holdoutPercent) ?? 0
        evaluationDays = try c.decodeIfPresent(Int64.self, forKey: .evaluationDays) ?? 30
        exitOnPurchase = try c.decodeIfPresent(Bool.self, forKey: .exitOnPurchase) ?? true
    }

    /// Checks a journey as the API receives it, naming every invalid field at once by its JSON
    /// path (`steps[2].wait_days`, `entry.until`, `steps[0].action.reason_code`).
    public static func validate(
        name: String,
        entry: Entry,
        steps: [Step],
        cycles: Int,
        holdoutPercent: Int64,
        evaluationDays: Int64,
        exitOnPurchase: Bool = true
    ) throws(JifenError) -> JourneyDraft {
        let draft = JourneyDraft(
            name: name,
            entry: entry,
            steps: steps,
            cycles: cycles,
            holdoutPercent: holdoutPercent,
            evaluationDays: evaluationDays,
            exitOnPurchase: exitOnPurchase
        )
        var v = Validator()
        draft.validate(into: &v)
        try v.finish()
        return draft
    }

    /// Records every invalid field of this journey (for one decoded from elsewhere).
    public func validate(into v: inout Validator) {
        v.text(name, "name", max: 200, required: true)
        switch entry {
        case .segment(let filter):
            filter.validate(into: &v, field: "entry.filter")
        case .firstOrder(let from, let until, let minimumSpend):
            if until <= from { v.fail("entry.until", "must be after entry.from") }
            if !(0...Money.maxMinorUnits).contains(minimumSpend) {
                v.fail("entry.minimum_spend", "must be between 0 and \(Money.maxMinorUnits)")
            }
        case .lapsing(let category):
            v.text(category, "entry.category", max: 128, required: true)
        }
        if !(1...Self.maxSteps).contains(steps.count) { v.fail("steps", "must have 1 to \(Self.maxSteps) steps") }
        for (i, step) in steps.enumerated() {
            let field = "steps[\(i)]"
            if !(0...Self.maxWaitDays).contains(step.waitDays) {
                v.fail("\(field).wait_days", "must be between 0 and \(Self.maxWaitDays)")
            }
            switch step.action {
            case .coupon:
                // Whether the template exists, and is the tenant's, only the store can tell.
                break
            case .points(let points, let reasonCode):
                if !(1...Self.maxPoints).contains(points) {
                    v.fail("\(field).action.points", "must be between 1 and \(Self.maxPoints)")
                }
                if !ActivityRule.isValidType(reasonCode) {
                    v.fail(
                        "\(field).action.reason_code",
                        "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter"
                    )
                }
            case .message(let key):
                if !Self.isValidMessageKey(key) {
                    v.fail("\(field).action.key", "must be 1–64 characters from a-z 0-9 _ . -")
                }
            }
        }
        if !(1...Self.maxCycles).contains(cycles) { v.fail("cycles", "must be between 1 and \(Self.maxCycles)") }
        if !(0...Self.maxHoldoutPercent).contains(holdoutPercent) {
            v.fail("holdout_percent", "must be between 0 and \(Self.maxHoldoutPercent)")
        }
        if !(1...Self.maxEvaluationDays).contains(evaluationDays) {
            v.fail("evaluation_days", "must be between 1 and \(Self.maxEvaluationDays)")
        }
    }

    /// Message keys name the shop's own templates (`thank-you`, `2nd.reminder`): 1 to 64
    /// characters from a-z 0-9 _ . - — unlike reason codes, they may start with a digit.
    public static func isValidMessageKey(_ key: String) -> Bool {
        let scalars = key.unicodeScalars
        return (1...64).contains(scalars.count)
            && scalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
            }
    }
}
