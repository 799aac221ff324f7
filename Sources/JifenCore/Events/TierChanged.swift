/// A member moved to another tier; `value` is the qualifying metric at the move.
public struct TierChanged: MemberStreamEvent, Equatable {
    public static let types = ["tier.changed"]
    public var type: String { "tier.changed" }

    public enum Direction: String, Sendable, Encodable {
        case up, down
    }

    public var from: String
    public var to: String
    public var direction: Direction
    public var metric: TierRules.Metric
    public var value: Int64

    public init(from: String, to: String, direction: Direction, metric: TierRules.Metric, value: Int64) {
        self.from = from
        self.to = to
        self.direction = direction
        self.metric = metric
        self.value = value
    }
}
