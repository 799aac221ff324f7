import Foundation
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

extension Job {
    /// The tenant and the decoded payload of a tenant job, or a permanent failure naming what
    /// is wrong: a malformed job never gets better by being retried.
    func tenantAndPayload<Payload: Decodable>(_ type: Payload.Type, shape: String) throws -> (TenantID, Payload) {
        guard let tenant else { throw PermanentJobFailure("\(kind) without a tenant") }
        return (tenant, try decodedPayload(type, shape: shape))
    }

    /// The payload decoded, or a permanent failure saying it is not `shape`.
    func decodedPayload<Payload: Decodable>(_ type: Payload.Type, shape: String) throws -> Payload {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(self.payload.utf8)) else {
            throw PermanentJobFailure("\(kind) payload is not \(shape)")
        }
        return payload
    }
}
