import Foundation
import JifenCore

/// A journey as stored, with how many members it holds.
public struct Journey: Sendable, Hashable {
    public var id: UUID
    public var draft: JourneyDraft
    public var state: String
    public var members: Int
    public var heldOut: Int
    public var createdAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// The evaluation of one step of one cycle: stimulated members against the held-out ones.
public struct StepResult: Sendable, Hashable {
    public var cycle: Int
    public var step: Int
    public var action: String
    public var stimulated: ArmOutcome
    public var holdout: ArmOutcome
    public var estimate: LiftEstimate
}
