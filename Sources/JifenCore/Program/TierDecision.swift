import Foundation

/// What a look at a member's tier must write, decided from the facts the store read: the
/// qualifying metric's value, the stored tier and grace clock, and whether this is the periodic
/// evaluation. The store carries it out (the member's row and `tier.changed`); every "if" of
/// moving a member between tiers lives here, so a rule change is a change to this file and its
/// table in `TierDecisionTests` (the rules themselves: docs/points-rules.md, "Tiers").
public enum TierDecision: Sendable, Hashable {
    /// Move the member from its current level to `to` and stop the grace clock.
    case move(from: TierRules.Level, to: TierRules.Level, direction: TierChanged.Direction)
    /// Keep the member at `level` (the base one for a member with no stored tier), its grace
    /// clock started at `belowSince`, or stopped (`nil`) when the metric holds the level.
    case keep(TierRules.Level, belowSince: Date?)

    /// A member moves up as soon as `value` reaches a higher level. Below its level, the grace
    /// clock starts (or keeps running from `belowSince`), and only the periodic evaluation
    /// (`allowDowngrade`) moves it down, once `tiers.graceDays` have passed since; then it goes
    /// straight to the level `value` reaches, however many levels down. Reaching its level
    /// again stops the clock. A stored code no longer in the program counts as the base level.
    public static func decide(
        tiers: TierRules,
        value: Int64,
        storedCode: String?,
        belowSince: Date?,
        now: Date,
        allowDowngrade: Bool
    ) -> TierDecision {
        let current = tiers.level(code: storedCode)
        let target = tiers.level(for: value)
        let currentRank = tiers.rank(of: current.code)
        let targetRank = tiers.rank(of: target.code)
        if targetRank > currentRank { return .move(from: current, to: target, direction: .up) }
        guard targetRank < currentRank else { return .keep(current, belowSince: nil) }
        let since = belowSince ?? now
        if allowDowngrade && now >= since.addingTimeInterval(TimeInterval(tiers.graceDays) * 86_400) {
            return .move(from: current, to: target, direction: .down)
        }
        return .keep(current, belowSince: since)
    }
}
