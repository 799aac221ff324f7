import Foundation
import Testing

@testable import JifenCore

/// The effect of a journey against its control group, checked against values worked by hand.
@Suite struct LiftTests {
    static func close(_ a: Double?, _ b: Double, within tolerance: Double = 0.000_05) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    /// 400 of 800 stimulated members bought (0.5), 60 of 200 held out (0.3): lift 0.2.
    /// Variance 0.5·0.5/800 + 0.3·0.7/200 = 0.0003125 + 0.00105 = 0.0013625; √ = 0.036912;
    /// × 1.96 = 0.072348; interval 0.1277 to 0.2723.
    @Test func liftAndItsInterval() {
        let estimate = Lift.estimate(
            stimulated: ArmOutcome(members: 800, responders: 400, revenue: 1_000_000, pointsCost: 40_000),
            holdout: ArmOutcome(members: 200, responders: 60, revenue: 100_000)
        )
        #expect(estimate.stimulatedRate == 0.5)
        #expect(estimate.holdoutRate == 0.3)
        #expect(Self.close(estimate.lift, 0.2))
        #expect(Self.close(estimate.low, 0.1277))
        #expect(Self.close(estimate.high, 0.2723))
        // 1,000,000 ÷ 400 responders; 40,000 points ÷ 400.
        #expect(estimate.revenuePerResponder == 2_500)
        #expect(estimate.pointsCostPerResponder == 100)
        // The control group's 100,000 scaled to 800 members is 400,000: 600,000 more, ÷ 40,000.
        #expect(estimate.incrementalRevenuePerPoint == 15)
    }

    /// 9 of 10 against 1 of 10: 0.8 ± 1.96·√(0.009 + 0.009) = 0.8 ± 0.26296; the top, 1.06, is
    /// clamped to 1.
    @Test func theIntervalStaysWithinMinusOneAndOne() {
        let estimate = Lift.estimate(
            stimulated: ArmOutcome(members: 10, responders: 9),
            holdout: ArmOutcome(members: 10, responders: 1)
        )
        #expect(Self.close(estimate.lift, 0.8))
        #expect(Self.close(estimate.low, 0.5370))
        #expect(estimate.high == 1)
    }

    @Test func anEmptyArmKnowsNothing() {
        for (stimulated, holdout) in [(0, 100), (100, 0), (0, 0)] {
            let estimate = Lift.estimate(
                stimulated: ArmOutcome(members: stimulated, responders: 0),
                holdout: ArmOutcome(members: holdout, responders: 0)
            )
            #expect(estimate.stimulatedRate == 0 && estimate.holdoutRate == 0 && estimate.lift == 0)
            #expect(estimate.low == -1 && estimate.high == 1)
        }
        let onlyStimulated = Lift.estimate(
            stimulated: ArmOutcome(members: 100, responders: 30, revenue: 9_000, pointsCost: 3_000),
            holdout: ArmOutcome(members: 0, responders: 0)
        )
        #expect(Self.close(onlyStimulated.stimulatedRate, 0.3) && Self.close(onlyStimulated.lift, 0.3))
        #expect(onlyStimulated.low == -1 && onlyStimulated.high == 1)
        #expect(onlyStimulated.revenuePerResponder == 300)
        #expect(onlyStimulated.incrementalRevenuePerPoint == nil)
    }

    @Test func perResponderAndPerPointNeedSomethingToDivideBy() {
        let none = Lift.estimate(
            stimulated: ArmOutcome(members: 100, responders: 0),
            holdout: ArmOutcome(members: 100, responders: 5, revenue: 5_000)
        )
        #expect(none.revenuePerResponder == nil && none.pointsCostPerResponder == nil)
        #expect(none.incrementalRevenuePerPoint == nil)
        #expect(Self.close(none.lift, -0.05))
        // Rounded towards zero: 1,000 ÷ 3.
        let thirds = Lift.estimate(
            stimulated: ArmOutcome(members: 10, responders: 3, revenue: 1_000, pointsCost: 100),
            holdout: ArmOutcome(members: 20, responders: 2, revenue: 400)
        )
        #expect(thirds.revenuePerResponder == 333 && thirds.pointsCostPerResponder == 33)
        // 1,000 − 400 × 10/20 = 800, ÷ 100 points.
        #expect(thirds.incrementalRevenuePerPoint == 8)
    }
}
