/// What a clawback does when the points it takes back were already spent.
public enum ClawbackPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The balance goes negative: a debt that the member's next available points repay. The
    /// default, because otherwise "buy, spend the points, refund" is free money.
    case allowNegative = "allow_negative"
    /// Take back what is there and forgive the rest.
    case stopAtZero = "stop_at_zero"
}
