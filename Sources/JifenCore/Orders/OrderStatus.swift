/// Where an order is in its life. Points are earned on ``paid``.
///
/// Shops' webhooks arrive late and out of order, so status only moves forward: a `placed`
/// that arrives after `paid` is stale news, not a change.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case placed
    case paid
    case cancelled
    case refunded

    /// Position in the lifecycle; both terminal states share the last step.
    var stage: Int {
        switch self {
        case .placed: 0
        case .paid: 1
        case .cancelled, .refunded: 2
        }
    }

    /// Whether an order now in `self` should take `next`: only a later stage counts, and the
    /// first terminal state wins.
    public func advances(to next: OrderStatus) -> Bool { next.stage > stage }
}
