/// Which lane of the queue a job waits in. Workers read the lanes separately, so a shop's
/// paid order never waits behind another shop's nightly sweep or campaign, and a slow webhook
/// receiver never holds the slots that score orders (docs/operations.md, How a job flows).
public enum JobLane: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// What a shop's customer waits for: order scoring (payments, refunds, cancels) and turning
    /// new events into webhook deliveries.
    case interactive
    /// Outbound webhook attempts: network-bound, and as slow as the receiver.
    case webhooks
    /// Sweeps, campaign grants and anything else no one is waiting for this second.
    case background

    public var description: String { rawValue }
}

extension JobKind {
    /// The lane this kind of job waits in. Kinds this version does not know (a newer worker's,
    /// or a test's) wait in the background lane.
    public var lane: JobLane {
        switch self {
        case .scoreOrder, .fanOutEvents: .interactive
        case .dispatchWebhook: .webhooks
        default: .background
        }
    }
}

extension Job {
    /// Whose turn it is: jobs are taken round-robin across the tenants that have work in a
    /// lane, and a tenant's running jobs are capped per lane. Jobs of no tenant share one turn.
    public var fairnessKey: String { tenant?.description ?? "-" }
}
