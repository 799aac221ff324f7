/// Whether cancelling an order does anything, decided from its status under the order's lock;
/// the store marks it cancelled and settles it (docs/points-rules.md, "Refunds and
/// cancellations"). Table: `RefundAdmissionTests`.
public enum CancelAdmission: Sendable, Hashable {
    /// Already cancelled: answer with the order as it is.
    case unchanged
    /// Cancel it: before payment it simply never earns; after, what it earned is taken back.
    case admitted

    /// A refunded order cannot be cancelled: its points are already back.
    public static func admit(order: ExternalID, status: OrderStatus) throws(JifenError) -> CancelAdmission {
        switch status {
        case .cancelled: .unchanged
        case .refunded: throw JifenError.conflict("order '\(order)' is refunded and cannot be cancelled")
        case .placed, .paid: .admitted
        }
    }
}
