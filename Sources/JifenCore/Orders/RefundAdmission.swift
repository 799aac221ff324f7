/// Whether a refund the shop reports is recorded, decided from the facts the store read under
/// the order's lock; the store records it and settles the order. Every check that admits or
/// refuses a refund lives here, so a rule change is a change to this file and its table in
/// `RefundAdmissionTests` (the rules: docs/points-rules.md, "Refunds and cancellations").
public enum RefundAdmission: Sendable, Hashable {
    /// The same refund again (same id, amount and lines): answer with the stored one, change
    /// nothing.
    case repeated
    /// Record it. `completes`: it brings the refunds to the order's amount, so the order
    /// becomes `refunded`.
    case admitted(completes: Bool)

    /// A refund of the order already recorded under the draft's id.
    public struct Recorded: Sendable, Hashable {
        public var amount: Int64
        public var lines: [RefundDraft.Line]

        public init(amount: Int64, lines: [RefundDraft.Line]) { (self.amount, self.lines) = (amount, lines) }
    }

    /// The checks, in order: a refund id seen before must be the same refund (or it is a
    /// conflict); only a `paid` order takes a new refund (before payment, cancel it; a cancelled
    /// or fully refunded one has nothing left); its lines must be the order's SKUs in at most
    /// the quantities ordered; its amount at most what is left of the order's amount after the
    /// refunds already recorded (`refunded`).
    public static func admit(
        _ draft: RefundDraft,
        order: ExternalID,
        status: OrderStatus,
        amount: Int64,
        lines: [OrderLine],
        refunded: Int64,
        recorded: Recorded?
    ) throws(JifenError) -> RefundAdmission {
        if let recorded {
            guard recorded.amount == draft.amount, recorded.lines == draft.lines else {
                throw JifenError.conflict(
                    "refund '\(draft.externalID)' of order '\(order)' was recorded with another amount or lines"
                )
            }
            return .repeated
        }
        switch status {
        case .placed: throw JifenError.conflict("order '\(order)' is not paid: cancel it instead")
        case .cancelled: throw JifenError.conflict("order '\(order)' is cancelled")
        case .refunded: throw JifenError.conflict("order '\(order)' is already fully refunded")
        case .paid: break
        }
        _ = try RefundDraft.priced(draft.lines, in: lines)
        let left = amount - refunded
        if draft.amount > left {
            throw JifenError.invalid("amount", "must be at most \(left), what is left of the order to refund")
        }
        return .admitted(completes: draft.amount == left)
    }
}
