import JifenCore

/// Runs one kind of job. Delivery is at least once, so `handle` must be idempotent: its
/// effects are keyed (ledger idempotency keys, row locks) so a second run changes nothing.
/// Throwing schedules a retry; the job is acknowledged only after `handle` returns.
public protocol JobHandler: Sendable {
    var kind: JobKind { get }
    func handle(_ job: Job) async throws
}

/// A job that cannot succeed however often it runs (bad payload, missing tenant): it goes
/// straight to the dead-letter stream instead of using up its retries.
public struct PermanentJobFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
