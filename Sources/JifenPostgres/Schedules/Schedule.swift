import Foundation
import JifenCore

/// A staged bonus: installments granted on their dates.
public struct Schedule: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case active, cancelled, completed
    }

    public struct Installment: Sendable, Hashable {
        public var number: Int
        public var dueAt: Date
        public var points: Int64
        public var grantedAt: Date?
    }

    public var id: UUID
    public var member: String
    public var totalPoints: Int64
    public var period: ScheduleDraft.Period
    public var startAt: Date
    public var reason: String
    public var sourceReference: String?
    public var state: State
    public var createdAt: Date
    public var cancelledAt: Date?
    public var installments: [Installment]
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}
