import Foundation

/// A member has not bought again in `category` within the category's repurchase window: sent
/// once per window crossed (a new purchase in the category starts a new window).
public struct MemberLapsing: MemberStreamEvent, Equatable {
    public static let types = ["member.lapsing"]
    public var type: String { "member.lapsing" }

    public var category: String
    public var lastOrderAt: String
    public var repurchaseWindowDays: Int64

    public init(category: String, lastOrderAt: Date, repurchaseWindowDays: Int64) {
        self.category = category
        self.lastOrderAt = EventTime.text(lastOrderAt)
        self.repurchaseWindowDays = repurchaseWindowDays
    }

    enum CodingKeys: String, CodingKey {
        case category
        case lastOrderAt = "last_order_at"
        case repurchaseWindowDays = "repurchase_window_days"
    }
}

/// A journey step reached a member who is stimulated: the shop's messaging sends `message`
/// (the step's key); a coupon or points the step gives are issued with it.
public struct JourneyStepEvent: MemberStreamEvent, Equatable {
    public static let types = ["journey.step"]
    public var type: String { "journey.step" }

    public var journey: String
    public var journeyName: String
    public var cycle: Int64
    public var step: Int64
    public var action: String
    public var message: String?
    public var coupon: String?
    public var points: Int64?

    public init(
        journey: String,
        journeyName: String,
        cycle: Int64,
        step: Int64,
        action: String,
        message: String? = nil,
        coupon: String? = nil,
        points: Int64? = nil
    ) {
        self.journey = journey
        self.journeyName = journeyName
        self.cycle = cycle
        self.step = step
        self.action = action
        self.message = message
        self.coupon = coupon
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case journey, cycle, step, action, message, coupon, points
        case journeyName = "journey_name"
    }
}
