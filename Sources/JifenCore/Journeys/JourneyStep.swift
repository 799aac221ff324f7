import Foundation

/// Where a member is in a journey.
public struct JourneyPosition: Sendable, Hashable {
    /// 0-based; equal to the journey's `cycles` once every step is done (past the end).
    public var cycle: Int
    /// 0-based index into the journey's steps: the next step to perform.
    public var step: Int
    public var enteredAt: Date
    /// When the last performed step was *due* (not when the worker got to it), so a late worker
    /// does not push the rest of the schedule back; `nil` before the first step.
    public var lastStepAt: Date?
    /// In the control group: tracked through every step, never stimulated.
    public var heldOut: Bool

    public init(cycle: Int = 0, step: Int = 0, enteredAt: Date, lastStepAt: Date? = nil, heldOut: Bool = false) {
        self.cycle = cycle
        self.step = step
        self.enteredAt = enteredAt
        self.lastStepAt = lastStepAt
        self.heldOut = heldOut
    }
}

/// What the worker does next for one member.
public enum JourneyMove: Sendable, Hashable {
    /// Nothing is due yet: call again at this time.
    case waitUntil(Date)
    /// Record step `step` of cycle `cycle` and store `next`. Stimulate (issue the coupon, grant
    /// the points, record the message) only if `stimulate`: it is false for a held-out member
    /// (tracked, never stimulated), and when the step is only for members who have not
    /// purchased and this one has since the previous step. `nextDueAt` is when the following
    /// step is due, `nil` after the last step of the last cycle.
    case perform(cycle: Int, step: Int, stimulate: Bool, next: JourneyPosition, nextDueAt: Date?)
    /// The member leaves the journey.
    case exit(reason: ExitReason)
}

/// Why a member left a journey.
public enum ExitReason: String, Sendable, Hashable, Codable {
    /// It purchased after entering, and the journey exits on purchase.
    case purchased
    /// Every step of every cycle was performed.
    case completed
}

/// The pure stepper a worker calls per member: given where the member is, its last purchase
/// and the time, what happens next.
public enum JourneyStepper {
    /// The next move for the member at `position`. Rules, in order:
    ///
    /// 1. Past the last step of the last cycle: ``ExitReason/completed`` — even if it has since
    ///    purchased: nothing is left to stop, and purchases count as responses by the
    ///    evaluation window, not by the exit reason.
    /// 2. The journey exits on purchase and the member purchased strictly after `enteredAt`:
    ///    ``ExitReason/purchased``, whether due or not. Held-out members exit exactly like the
    ///    others — the two arms are only comparable if they are tracked the same way. Strictly
    ///    after: the order that made a member enter (a first-order journey) does not exit it.
    /// 3. The step is due at (`lastStepAt` ?? `enteredAt`) + its `waitDays` × 86,400 s; before
    ///    then, ``JourneyMove/waitUntil(_:)``.
    /// 4. When due, ``JourneyMove/perform(cycle:step:stimulate:next:nextDueAt:)`` of that one
    ///    step, with `stimulate` = not held out, and not (`onlyIfNotPurchased` and a purchase
    ///    strictly after `lastStepAt` ?? `enteredAt`). The next position's `lastStepAt` is the
    ///    due time, so after a worker outage the caller catches up one step per call on the
    ///    original schedule, the same for both arms.
    ///
    /// After the last step of a cycle the next starts at step 0 of cycle + 1; after the last
    /// step of the last cycle the position is past the end (`cycle` = `cycles`, `step` 0).
    public static func next(
        _ journey: JourneyDraft,
        position: JourneyPosition,
        lastPurchaseAt: Date?,
        now: Date
    ) -> JourneyMove {
        let steps = journey.steps
        // A step index past the steps (a journey edited to fewer steps) means the cycle is done.
        var cycle = position.cycle
        var index = position.step
        if index >= steps.count {
            cycle += 1
            index = 0
        }
        if steps.isEmpty || cycle >= journey.cycles { return .exit(reason: .completed) }

        if journey.exitOnPurchase, let lastPurchaseAt, lastPurchaseAt > position.enteredAt {
            return .exit(reason: .purchased)
        }

        let reference = position.lastStepAt ?? position.enteredAt
        let step = steps[index]
        let dueAt = reference.addingTimeInterval(days(step.waitDays))
        if now < dueAt { return .waitUntil(dueAt) }

        let purchasedSinceReference = lastPurchaseAt.map { $0 > reference } ?? false
        let stimulate = !position.heldOut && !(step.onlyIfNotPurchased && purchasedSinceReference)

        var next = position
        next.lastStepAt = dueAt
        if index + 1 < steps.count {
            next.cycle = cycle
            next.step = index + 1
        } else {
            next.cycle = cycle + 1
            next.step = 0
        }
        let nextDueAt =
            next.cycle < journey.cycles ? dueAt.addingTimeInterval(days(steps[next.step].waitDays)) : nil
        return .perform(cycle: cycle, step: index, stimulate: stimulate, next: next, nextDueAt: nextDueAt)
    }

    /// In Double: an unvalidated wait cannot trap on overflow.
    private static func days(_ days: Int64) -> TimeInterval { TimeInterval(days) * 86_400 }
}
