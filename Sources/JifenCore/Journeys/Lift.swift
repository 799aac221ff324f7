import Foundation

/// What one arm of a journey (the stimulated members, or the held-out control group) did within
/// the evaluation window.
public struct ArmOutcome: Sendable, Hashable {
    /// Members who entered the arm.
    public var members: Int
    /// Members who purchased within the evaluation window after a step.
    public var responders: Int
    /// What the responders spent in that window, in minor units.
    public var revenue: Int64
    /// Points granted to the arm's members by the journey (0 for the control group).
    public var pointsCost: Int64

    public init(members: Int, responders: Int, revenue: Int64 = 0, pointsCost: Int64 = 0) {
        self.members = members
        self.responders = responders
        self.revenue = revenue
        self.pointsCost = pointsCost
    }
}

/// The effect of a journey: how much more often stimulated members responded than held-out
/// ones, and what it cost.
public struct LiftEstimate: Sendable, Hashable {
    /// Responders ÷ members of the stimulated arm; 0 for an empty arm.
    public var stimulatedRate: Double
    /// Responders ÷ members of the control group; 0 for an empty arm.
    public var holdoutRate: Double
    /// `stimulatedRate` − `holdoutRate`: the share of members who responded because of the
    /// journey.
    public var lift: Double
    /// The 95 % confidence interval of `lift` (Wald), within [−1, 1].
    public var low: Double
    public var high: Double
    /// Stimulated revenue ÷ stimulated responders, rounded towards zero; `nil` without responders.
    public var revenuePerResponder: Int64?
    /// Stimulated points cost ÷ stimulated responders, rounded towards zero; `nil` without
    /// responders.
    public var pointsCostPerResponder: Int64?
    /// Revenue the journey added (the stimulated arm's, less the control group's scaled to the
    /// stimulated arm's size) per point it granted; `nil` when it granted none or the control
    /// group is empty.
    public var incrementalRevenuePerPoint: Double?

    public init(
        stimulatedRate: Double,
        holdoutRate: Double,
        lift: Double,
        low: Double,
        high: Double,
        revenuePerResponder: Int64?,
        pointsCostPerResponder: Int64?,
        incrementalRevenuePerPoint: Double?
    ) {
        self.stimulatedRate = stimulatedRate
        self.holdoutRate = holdoutRate
        self.lift = lift
        self.low = low
        self.high = high
        self.revenuePerResponder = revenuePerResponder
        self.pointsCostPerResponder = pointsCostPerResponder
        self.incrementalRevenuePerPoint = incrementalRevenuePerPoint
    }
}

public enum Lift {
    /// z for a two-sided 95 % interval.
    public static let z95 = 1.96

    /// The difference of the two response rates p1 − p2 with its Wald 95 % interval
    /// p1 − p2 ± 1.96 · √(p1(1 − p1)/n1 + p2(1 − p2)/n2), clamped to [−1, 1] (a difference of
    /// two proportions cannot leave it).
    ///
    /// An arm without members has rate 0 and the interval is (−1, 1): nothing is known. The
    /// Wald interval is the textbook one a shop can check by hand; it is too narrow for rates
    /// near 0 or 1 in small arms (both rates 0 gives the interval [0, 0]), so read small arms
    /// with care.
    public static func estimate(stimulated: ArmOutcome, holdout: ArmOutcome) -> LiftEstimate {
        let n1 = Double(stimulated.members)
        let n2 = Double(holdout.members)
        let p1 = stimulated.members > 0 ? Double(stimulated.responders) / n1 : 0
        let p2 = holdout.members > 0 ? Double(holdout.responders) / n2 : 0
        let lift = p1 - p2
        var low = -1.0
        var high = 1.0
        if stimulated.members > 0 && holdout.members > 0 {
            let margin = z95 * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2).squareRoot()
            low = max(-1, lift - margin)
            high = min(1, lift + margin)
        }

        let responders = Int64(stimulated.responders)
        var incrementalPerPoint: Double?
        if stimulated.pointsCost != 0 && holdout.members > 0 {
            // In Double: revenue × n1 can exceed Int64 in large journeys.
            let incremental = Double(stimulated.revenue) - Double(holdout.revenue) * n1 / n2
            incrementalPerPoint = incremental / Double(stimulated.pointsCost)
        }
        return LiftEstimate(
            stimulatedRate: p1,
            holdoutRate: p2,
            lift: lift,
            low: low,
            high: high,
            revenuePerResponder: responders > 0 ? stimulated.revenue / responders : nil,
            pointsCostPerResponder: responders > 0 ? stimulated.pointsCost / responders : nil,
            incrementalRevenuePerPoint: incrementalPerPoint
        )
    }
}
