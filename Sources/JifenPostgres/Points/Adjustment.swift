import Foundation
import JifenCore

/// A manual grant or deduction, as requested.
public struct AdjustmentRequest: Sendable, Hashable {
    /// Positive grants, negative deducts; never 0.
    public var points: Int64
    /// The shop's reason, e.g. `goodwill`, `correction`, `late_delivery`.
    public var reasonCode: String
    public var note: String?
    /// Who made it (a support agent's id), for the audit trail.
    public var actor: String?

    public init(points: Int64, reasonCode: String, note: String? = nil, actor: String? = nil) {
        self.points = points
        self.reasonCode = reasonCode
        self.note = note
        self.actor = actor
    }

    public static func validate(points: Int64, reasonCode: String, note: String?, actor: String?) throws(JifenError)
        -> AdjustmentRequest
    {
        var validator = Validator()
        if points == 0 || points.magnitude > 1_000_000_000 {
            validator.fail("points", "must be a non-zero number between -1000000000 and 1000000000")
        }
        if !ActivityRule.isValidType(reasonCode) {
            validator.fail("reason_code", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
        }
        validator.text(note, "note", max: 500)
        validator.text(actor, "actor", max: 128)
        try validator.finish()
        return AdjustmentRequest(points: points, reasonCode: reasonCode, note: note, actor: actor)
    }
}

/// An adjustment as recorded: its ledger entry.
public struct Adjustment: Sendable, Hashable {
    public var id: UUID
    public var member: String
    public var points: Int64
    public var reasonCode: String
    public var note: String?
    public var actor: String?
    public var lots: [LotTouch]
    public var createdAt: Date
}
