/// A member's balance just after a change, as every points event carries it.
struct BalanceAfter: Sendable, Hashable {
    var available: Int64
    var pending: Int64
}
