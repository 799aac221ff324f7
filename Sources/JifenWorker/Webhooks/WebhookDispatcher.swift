import AsyncHTTPClient
import Foundation
import JifenCore
import JifenPostgres
import JifenWebhooks
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Tracing

/// `notify.dispatch`: one attempt to deliver one webhook, signed the Standard Webhooks way
/// (the same `webhook-id` on every attempt). 2xx delivers; 410 disables the endpoint; anything
/// else is tried again on the ``DeliverySchedule`` (honouring `Retry-After`) until about three
/// days have passed, and an endpoint failing for five days is disabled. The HTTP call happens
/// outside any transaction; the delivery is claimed first, so a redelivered job cannot send it
/// twice at once.
///
/// An attempt holds a worker slot for at most `deadline` however the receiver behaves: one
/// deadline covers connecting, the answer's head and its body, of which only the first
/// ``ResponseSnippet/maxBytes`` are read. The connection goes to the address the
/// ``AddressPolicy`` checked, never to a second lookup of the name.
public struct WebhookDispatcher: JobHandler {
    public let kind = JobKind.dispatchWebhook
    let database: Database
    let eventLoopGroup: any EventLoopGroup
    let addresses: AddressPolicy
    let deadline: Duration
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(
        database: Database,
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        addresses: AddressPolicy,
        deadline: Duration = .seconds(DeliverySchedule.timeout),
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.eventLoopGroup = eventLoopGroup
        self.addresses = addresses
        self.deadline = deadline
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
        // Outlasts the attempt (resolution included), so no other worker takes it meanwhile.
        let lease = Double(deadline.components.seconds) + 45
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
        let unsent: (error: String, outcome: AttemptOutcome, refused: Bool)
        if !claimed.signing.enabled {
            unsent = ("endpoint is disabled", .failed(disableEndpoint: nil), false)
        } else {
            switch await addresses.check(claimed.signing.url) {
            case .allowed(let target):
                try await send(claimed, of: tenant, to: target, now: now)
                return
            case .refused(let reason): unsent = (reason, .failed(disableEndpoint: nil), true)
            case .unresolved(let reason):
                unsent = (reason, decide(claimed, status: nil, retryAfter: nil, now: now), false)
            }
        }
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
    }

    /// One attempt that makes a request, and its record.
    private func send(_ claimed: ClaimedDelivery, of tenant: TenantID, to target: AddressPolicy.Target, now: Date)
        async throws
    {
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
        // The attempt's span links to the event's (the scoring that caused it): one trace per
        // attempt, found from the order's trace through the link.
        let answer = await withSpan("webhook.attempt", ofKind: .client) { span in
            span.attributes["jifen.webhook.id"] = messageID
            span.attributes["jifen.webhook.attempt"] = claimed.attempts + 1
            span.attributes["jifen.tenant_id"] = tenant.description
            if let traceParent = claimed.traceParent {
                span.addLink(SpanLink(context: TraceParent.context(traceParent), attributes: [:]))
            }
            let answer = await exchange(request, to: target)
            if case .answered(let code, _, _) = answer {
                span.attributes["http.response.status_code"] = code
            }
            return answer
        }
        let elapsed = ContinuousClock.now - started
        let latency = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        var status: Int?
        var retryAfter: TimeInterval?
        var responseText: String?
        var failure: String?
        switch answer {
        case .answered(let code, let retryAfterHeader, let snippet):
            status = code
            retryAfter = DeliverySchedule.retryAfter(retryAfterHeader, now: now)
            responseText = snippet
        case .failed(let reason):
            failure = "\(reason) (\(target.addressDescription))"
        case .timedOut(let stage):
            failure = "timed out after \(deadline) \(stage) (\(target.addressDescription))"
        }
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
                "address": "\(target.addressDescription)",
            ]
        )
    }

    /// How one exchange ended.
    enum Answer: Sendable {
        /// A status, `Retry-After`, and the start of the body as storable text.
        case answered(status: Int, retryAfter: String?, snippet: String)
        case failed(String)
        /// The deadline passed; `stage` says where it was.
        case timedOut(stage: String)
    }

    /// Sends `request` to `target.address` and reads the answer, all within `deadline`.
    ///
    /// A client per attempt: AsyncHTTPClient pins a name to an address only client-wide
    /// (`dnsOverride`, which also keeps the name in `Host` and TLS SNI and verifies the
    /// certificate for it), and a fresh pool means no connection is ever shared between
    /// receivers, or outlives the attempt that a deadline cut.
    func exchange(_ request: HTTPClientRequest, to target: AddressPolicy.Target) async -> Answer {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        if target.isName, let ip = target.address.ipAddress {
            configuration.dnsOverride = [target.host: ip]
        }
        let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        let limit = deadline
        let answer = await withTaskGroup(of: Answer?.self) { group in
            // The stage reached so far, for the message of a timeout.
            let stage = NIOLockedValueBox("connecting or waiting for the answer's head")
            group.addTask {
                do {
                    // AsyncHTTPClient's own deadline stops at the head; the race below covers the
                    // body too. This one is a second later, so the race is the one that reports.
                    let nanoseconds =
                        limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
                    let response = try await client.execute(
                        request,
                        deadline: .now() + .nanoseconds(nanoseconds) + .seconds(1),
                        logger: nil
                    )
                    stage.withLockedValue { $0 = "reading the body (status \(response.status.code))" }
                    var bytes: [UInt8] = []
                    for try await chunk in response.body {
                        bytes += chunk.readableBytesView.prefix(ResponseSnippet.maxBytes - bytes.count)
                        // Enough for the log: stop reading (the connection is closed with the client).
                        if bytes.count >= ResponseSnippet.maxBytes { break }
                    }
                    return .answered(
                        status: Int(response.status.code),
                        retryAfter: response.headers.first(name: "retry-after"),
                        snippet: ResponseSnippet.text(bytes)
                    )
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return .timedOut(stage: stage.withLockedValue { $0 })
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // Cancelled by the deadline, the exchange may still report an error: the deadline's
            // answer is the one that counts.
            return first ?? .timedOut(stage: stage.withLockedValue { $0 })
        }
        try? await client.shutdown()
        return answer
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
