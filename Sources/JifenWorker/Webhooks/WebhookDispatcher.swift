import AsyncHTTPClient
import Foundation
import JifenCore
import JifenPostgres
import JifenWebhooks
import Logging
import NIOCore
import NIOHTTP1

/// `notify.dispatch`: one attempt to deliver one webhook, signed the Standard Webhooks way
/// (the same `webhook-id` on every attempt). 2xx delivers; 410 disables the endpoint; anything
/// else is tried again on the ``DeliverySchedule`` (honouring `Retry-After`) until about three
/// days have passed, and an endpoint failing for five days is disabled. The HTTP call happens
/// outside any transaction; the delivery is claimed first, so a redelivered job cannot send it
/// twice at once.
public struct WebhookDispatcher: JobHandler {
    public let kind = JobKind.dispatchWebhook
    let database: Database
    let http: HTTPClient
    let addresses: AddressPolicy
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(
        database: Database,
        http: HTTPClient,
        addresses: AddressPolicy,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.http = http
        self.addresses = addresses
        self.logger = logger
        self.clock = clock
    }

    struct Payload: Decodable {
        var deliveryID: UUID
        enum CodingKeys: String, CodingKey { case deliveryID = "delivery_id" }
    }

    public func handle(_ job: Job) async throws {
        let (tenant, payload) = try job.tenantAndPayload(Payload.self, shape: #"{"delivery_id": uuid}"#)
        let now = clock()
        let lease = DeliverySchedule.timeout + 45
        let claim = try await database.withTenant(tenant) { connection in
            try await connection.claimDelivery(payload.deliveryID, now: now, lease: lease)
        }
        let claimed: ClaimedDelivery
        switch claim {
        case .claimed(let delivery): claimed = delivery
        case .done: return
        // A worker is sending it, or crashed sending it: retry this job after its lease.
        case .heldElsewhere: throw DeliveryBusy()
        }

        // Attempts that end before any request is made: the endpoint is off, or its address is
        // not one to call (for good, or — DNS — for now).
        var unsent: (error: String, outcome: AttemptOutcome, refused: Bool)?
        if !claimed.signing.enabled {
            unsent = ("endpoint is disabled", .failed(disableEndpoint: nil), false)
        } else {
            switch await addresses.check(claimed.signing.url) {
            case .allowed: break
            case .refused(let reason): unsent = (reason, .failed(disableEndpoint: nil), true)
            case .unresolved(let reason):
                unsent = (reason, decide(claimed, status: nil, retryAfter: nil, now: now), false)
            }
        }
        if let unsent {
            WorkerMetrics.webhook(unsent.outcome, refused: unsent.refused)
            try await record(
                tenant,
                claimed,
                at: now,
                status: nil,
                latency: 0,
                error: unsent.error,
                response: nil,
                outcome: unsent.outcome
            )
            return
        }
        let body = Data(claimed.payload.utf8)
        // Signed with the wall clock, whatever `clock` says: receivers check it against theirs.
        let timestamp = Int64(Date().timeIntervalSince1970)
        let messageID = WebhookDelivery.messageID(claimed.id)
        var request = HTTPClientRequest(url: claimed.signing.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "Jifen-Webhooks/1")
        request.headers.add(name: "webhook-id", value: messageID)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: StandardWebhooks.header(
                id: messageID,
                timestamp: timestamp,
                body: body,
                secrets: claimed.signing.secrets.compactMap(WebhookSecret.init)
            )
        )
        request.body = .bytes(ByteBuffer(data: body))

        let started = ContinuousClock.now
        var status: Int?
        var responseText: String?
        var failure: String?
        var retryAfter: TimeInterval?
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(DeliverySchedule.timeout)))
            status = Int(response.status.code)
            retryAfter = DeliverySchedule.retryAfter(response.headers.first(name: "retry-after"), now: now)
            let collected = try? await response.body.collect(upTo: 64 * 1024)
            responseText = collected.map { String(buffer: $0) }.map { String($0.prefix(1024)) }
        } catch {
            failure = "\(error)"
        }
        let elapsed = ContinuousClock.now - started
        let latency = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let outcome = decide(claimed, status: status, retryAfter: retryAfter, now: now)
        try await record(
            tenant,
            claimed,
            at: now,
            status: status,
            latency: latency,
            error: failure,
            response: responseText,
            outcome: outcome
        )
        WorkerMetrics.webhook(outcome, refused: false)
        logger.info(
            "webhook attempt",
            metadata: [
                "tenant_id": "\(tenant)", "webhook_id": "\(messageID)", "status": "\(status.map(String.init) ?? "-")",
                "attempt": "\(claimed.attempts + 1)", "outcome": "\(outcome)",
            ]
        )
    }

    /// What an attempt's answer leads to. Pure: the endpoint's failing-since came with the claim.
    private func decide(_ claimed: ClaimedDelivery, status: Int?, retryAfter: TimeInterval?, now: Date)
        -> AttemptOutcome
    {
        if let status, (200..<300).contains(status) { return .delivered }
        if status == 410 { return .failed(disableEndpoint: "the endpoint answered 410 Gone") }
        if let failingSince = claimed.signing.failingSince,
            now.timeIntervalSince(failingSince) >= DeliverySchedule.disableEndpointAfter
        {
            return .failed(disableEndpoint: "failing for 5 days")
        }
        let honoured = status == 429 || status == 503 ? retryAfter : nil
        guard
            let delay = DeliverySchedule.delay(
                afterAttempt: claimed.attemptsInCycle + 1,
                firstAttemptAt: claimed.firstAttemptAt,
                now: now,
                retryAfter: honoured
            )
        else { return .failed(disableEndpoint: nil) }
        return .retry(at: now.addingTimeInterval(delay))
    }

    private func record(
        _ tenant: TenantID,
        _ claimed: ClaimedDelivery,
        at date: Date,
        status: Int?,
        latency: Int,
        error: String?,
        response: String?,
        outcome: AttemptOutcome
    ) async throws {
        try await database.withTenant(tenant) { connection in
            try await connection.recordAttempt(
                claimed,
                at: date,
                statusCode: status,
                latencyMilliseconds: latency,
                error: error,
                response: response,
                outcome: outcome
            )
        }
    }
}

/// The delivery is held by another worker's attempt: the job is retried later.
struct DeliveryBusy: Error, CustomStringConvertible {
    var description: String { "the delivery is being sent by another worker" }
}
