/// What recording an order means when the shop has sent it before: the pure decision behind
/// "recording is idempotent by external id".
public enum OrderChange: Sendable, Equatable {
    /// Nothing new: answer with the stored order.
    case unchanged
    /// Store these; `statusChanged` means the workers must look at the order again.
    case update(status: OrderStatus, amount: Money, lines: [OrderLine], statusChanged: Bool)

    /// Compares what is stored with what arrived.
    ///
    /// - Member and currency never change: a different one is a conflict, not an update.
    /// - Status moves forward only; an older status arriving late is ignored.
    /// - Amount and lines may change only while the order is `placed`: after payment the
    ///   points depend on them, and a refund is the way to change what was paid. Lines left
    ///   out (not an empty list) mean "as stored".
    public static func between(
        stored: OrderSnapshot,
        incoming: OrderDraft
    ) throws(JifenError) -> OrderChange {
        guard stored.member == incoming.member else {
            throw .conflict("order '\(incoming.externalID)' belongs to member '\(stored.member)'")
        }
        guard stored.amount.currency == incoming.amount.currency else {
            throw .conflict("order '\(incoming.externalID)' is in \(stored.amount.currency)")
        }
        let newStatus = stored.status.advances(to: incoming.status) ? incoming.status : stored.status
        let incomingLines = incoming.linesOmitted ? stored.lines : incoming.lines
        let contentDiffers = stored.amount != incoming.amount || stored.lines != incomingLines
        if contentDiffers && stored.status != .placed {
            // A late duplicate of the placed order carrying its old amount is harmless only if
            // identical; any other change after payment must come as a refund.
            throw .conflict(
                "order '\(incoming.externalID)' is \(stored.status.rawValue): its amount and lines can no longer change; record a refund instead"
            )
        }
        if newStatus == stored.status && !contentDiffers { return .unchanged }
        return .update(
            status: newStatus,
            amount: contentDiffers ? incoming.amount : stored.amount,
            lines: incomingLines,
            statusChanged: newStatus != stored.status
        )
    }
}

/// The parts of a stored order that decide an ``OrderChange``.
public struct OrderSnapshot: Sendable, Equatable {
    public var member: ExternalID
    public var amount: Money
    public var status: OrderStatus
    public var lines: [OrderLine]

    public init(member: ExternalID, amount: Money, status: OrderStatus, lines: [OrderLine]) {
        self.member = member
        self.amount = amount
        self.status = status
        self.lines = lines
    }
}
