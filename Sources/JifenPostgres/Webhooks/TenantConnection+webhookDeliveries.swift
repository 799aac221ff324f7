import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Turns up to `limit` new domain events into deliveries, one per enabled endpoint that
    /// subscribes to the event's type, each with its exact body and a `notify.dispatch` job —
    /// one statement. Events claimed with `SKIP LOCKED`, so two workers fan out side by side.
    /// Returns how many events it handled.
    public func fanOutEvents(limit: Int = 500) async throws -> Int {
        let rows = try await query(
            """
            WITH batch AS (
                SELECT id FROM domain_events
                WHERE tenant_id = \(tenant.rawValue) AND fanned_out_at IS NULL
                ORDER BY created_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), events AS (
                UPDATE domain_events e SET fanned_out_at = clock_timestamp()
                FROM batch WHERE e.tenant_id = \(tenant.rawValue) AND e.id = batch.id
                RETURNING e.id, e.type, e.created_at, e.trace_parent,
                          e.data || jsonb_build_object('sequence', e.sequence) AS data
            ), deliveries AS (
                INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload, state,
                                                next_attempt_at, trace_parent)
                SELECT \(tenant.rawValue), w.id, ev.id, ev.type,
                       jsonb_build_object('type', ev.type,
                                          'timestamp', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                          'data', ev.data)::text,
                       'pending', clock_timestamp(), ev.trace_parent
                FROM events ev
                JOIN webhook_endpoints w ON w.tenant_id = \(tenant.rawValue) AND w.state = 'enabled'
                     AND w.deleted_at IS NULL AND (cardinality(w.event_types) = 0 OR ev.type = ANY(w.event_types))
                     AND ev.created_at >= w.created_at
                RETURNING id
            ), jobs AS (
                INSERT INTO outbox (tenant_id, kind, payload)
                SELECT \(tenant.rawValue), \(JobKind.dispatchWebhook.name), jsonb_build_object('delivery_id', id) FROM deliveries
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM events)::bigint, (SELECT count(*) FROM jobs)::bigint
            """
        )
        for try await (events, _) in rows.decode((Int64, Int64).self) { return Int(events) }
        return 0
    }

    /// A `webhook.test` message to one endpoint (whatever it subscribes to).
    public func sendTest(endpoint id: UUID, now: Date = Date()) async throws -> WebhookDelivery? {
        guard try await endpoint(id) != nil else { return nil }
        let event = WebhookTest(endpoint: id.uuidString.lowercased())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(
            WebhookMessage(type: event.type, timestamp: now.formatted(.iso8601), data: event)
        )
        let rows = try await query(
            """
            INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_type, payload, state, next_attempt_at)
            VALUES (\(tenant.rawValue), \(id), \(event.type), \(String(decoding: body, as: UTF8.self)), 'pending', \(now))
            RETURNING id
            """
        )
        guard let delivery = try await rows.decode(UUID.self).first(where: { _ in true }) else { return nil }
        try await enqueueDispatch(delivery)
        return try await self.delivery(delivery)
    }

    /// Sends a delivery again, with the same `webhook-id` (a receiver that deduplicates sees it
    /// once). Its attempts continue where they were.
    public func replay(delivery id: UUID, now: Date = Date()) async throws -> WebhookDelivery? {
        let rows = try await query(
            """
            UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = \(now), first_attempt_at = NULL,
                                          sending_until = NULL, replayed_after = attempts
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) RETURNING id
            """
        )
        guard try await rows.decode(UUID.self).first(where: { _ in true }) != nil else { return nil }
        try await enqueueDispatch(id)
        return try await delivery(id)
    }

    func enqueueDispatch(_ delivery: UUID, at date: Date? = nil) async throws {
        let payload = #"{"delivery_id":"\#(delivery.uuidString.lowercased())"}"#
        if let date {
            try await enqueue(.dispatchWebhook, payload: payload, runAt: date)
        } else {
            try await enqueue(.dispatchWebhook, payload: payload)
        }
    }

    /// Claims a delivery for sending until `lease` from now, so another worker holding a
    /// redelivered job does not send it at the same time.
    public func claimDelivery(_ id: UUID, now: Date, lease: TimeInterval) async throws -> DeliveryClaim {
        let rows = try await query(
            """
            UPDATE webhook_deliveries SET sending_until = \(now.addingTimeInterval(lease)),
                                          first_attempt_at = coalesce(first_attempt_at, \(now))
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND state = 'pending'
              AND (sending_until IS NULL OR sending_until < \(now))
              AND (next_attempt_at IS NULL OR next_attempt_at <= \(now))
            RETURNING endpoint_id, payload, attempts, replayed_after, first_attempt_at, trace_parent
            """
        )
        for try await (endpoint, payload, attempts, replayedAfter, first, traceParent) in rows.decode(
            (UUID, String, Int, Int, Date, String?).self
        ) {
            guard let signing = try await signing(endpoint: endpoint, now: now) else { return .done }
            return .claimed(
                ClaimedDelivery(
                    id: id,
                    endpointID: endpoint,
                    payload: payload,
                    attempts: attempts,
                    attemptsInCycle: attempts - replayedAfter,
                    firstAttemptAt: first,
                    signing: signing,
                    traceParent: traceParent
                )
            )
        }
        // Not claimed: say why, so a job whose delivery another worker holds can try later.
        let state = try await query(
            """
            SELECT state = 'pending', sending_until > \(now)
            FROM webhook_deliveries WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        for try await (pending, held) in state.decode((Bool, Bool?).self) where pending && held == true {
            return .heldElsewhere
        }
        return .done
    }

    /// Records one attempt and what follows: delivered, tried again at `retryAt`, or failed
    /// (then, with `disableEndpoint`, the endpoint is switched off with that reason).
    public func recordAttempt(
        _ claimed: ClaimedDelivery,
        at date: Date,
        statusCode: Int?,
        latencyMilliseconds: Int,
        error: String?,
        response: String?,
        outcome: AttemptOutcome
    ) async throws {
        let number = claimed.attempts + 1
        try await query(
            """
            INSERT INTO webhook_attempts (tenant_id, delivery_id, number, attempted_at, status_code, latency_ms, error,
                                          response)
            VALUES (\(tenant.rawValue), \(claimed.id), \(number), \(date), \(statusCode), \(latencyMilliseconds),
                    \(error.map { Self.storable($0, max: 500) }), \(response.map { Self.storable($0, max: 1024) }))
            """
        )
        switch outcome {
        case .delivered:
            try await query(
                """
                UPDATE webhook_deliveries SET state = 'succeeded', attempts = \(number), last_status = \(statusCode),
                       delivered_at = \(date), next_attempt_at = NULL, sending_until = NULL
                WHERE tenant_id = \(tenant.rawValue) AND id = \(claimed.id)
                """
            )
            try await query(
                """
                UPDATE webhook_endpoints SET failing_since = NULL
                WHERE tenant_id = \(tenant.rawValue) AND id = \(claimed.endpointID) AND failing_since IS NOT NULL
                """
            )
        case .retry(let at):
            try await query(
                """
                UPDATE webhook_deliveries SET attempts = \(number), last_status = \(statusCode), next_attempt_at = \(at),
                       sending_until = NULL
                WHERE tenant_id = \(tenant.rawValue) AND id = \(claimed.id)
                """
            )
            try await markFailing(claimed.endpointID, since: date)
            try await enqueueDispatch(claimed.id, at: at)
        case .failed(let disableEndpoint):
            try await query(
                """
                UPDATE webhook_deliveries SET state = 'failed', attempts = \(number), last_status = \(statusCode),
                       next_attempt_at = NULL, sending_until = NULL
                WHERE tenant_id = \(tenant.rawValue) AND id = \(claimed.id)
                """
            )
            try await markFailing(claimed.endpointID, since: date)
            if let reason = disableEndpoint {
                try await query(
                    """
                    UPDATE webhook_endpoints SET state = 'disabled', disabled_reason = \(reason),
                           updated_at = clock_timestamp()
                    WHERE tenant_id = \(tenant.rawValue) AND id = \(claimed.endpointID)
                    """
                )
            }
        }
    }

    /// PostgreSQL `text` cannot hold NUL: one in a receiver's answer or an error message would
    /// make the attempt unrecordable, and the delivery would be sent again and again.
    static func storable(_ text: String, max: Int) -> String {
        String(String.UnicodeScalarView(text.prefix(max).unicodeScalars.lazy.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }

    private func markFailing(_ endpoint: UUID, since date: Date) async throws {
        try await query(
            """
            UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, \(date))
            WHERE tenant_id = \(tenant.rawValue) AND id = \(endpoint)
            """
        )
    }

    public func delivery(_ id: UUID) async throws -> WebhookDelivery? {
        try await deliveries(filter: DeliveryFilter(), only: id, limit: try PageLimit(1), after: nil).items.first
    }

    /// The delivery log, newest first, each delivery with its attempts.
    public func deliveries(filter: DeliveryFilter, only: UUID? = nil, limit: PageLimit, after cursor: PageCursor?)
        async throws -> Page<WebhookDelivery>
    {
        let rows = try await query(
            """
            SELECT d.id, d.endpoint_id, d.event_type, d.payload, d.state, d.next_attempt_at, d.created_at,
                   d.delivered_at, (extract(epoch FROM d.created_at) * 1000000)::bigint,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'number', a.number, 'at', extract(epoch FROM a.attempted_at), 'status', a.status_code,
                               'latency', a.latency_ms, 'error', a.error, 'response', a.response) ORDER BY a.number),
                           '[]')::text
                    FROM webhook_attempts a WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.id)
            FROM webhook_deliveries d
            WHERE d.tenant_id = \(tenant.rawValue)
              AND (\(only == nil) OR d.id = \(only ?? UUID()))
              AND (\(filter.endpoint == nil) OR d.endpoint_id = \(filter.endpoint ?? UUID()))
              AND (\(filter.state == nil) OR d.state = \(filter.state ?? ""))
              AND (\(filter.eventType == nil) OR d.event_type = \(filter.eventType ?? ""))
              AND \(after: cursor, on: "d")
            ORDER BY d.created_at DESC, d.id DESC LIMIT \(limit.value + 1)
            """
        )
        var deliveries: [WebhookDelivery] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            deliveries.append(
                WebhookDelivery(
                    id: try columns.value(0, UUID.self),
                    endpointID: try columns.value(1, UUID.self),
                    eventType: try columns.value(2, String.self),
                    payload: try columns.value(3, String.self),
                    state: try columns.value(4, String.self),
                    attempts: try Self.attempts(try columns.value(9, String.self)),
                    nextAttemptAt: try columns.value(5, Date?.self),
                    createdAt: try columns.value(6, Date.self),
                    deliveredAt: try columns.value(7, Date?.self),
                    createdAtMicros: try columns.value(8, Int64.self)
                )
            )
        }
        return Page.slicing(deliveries, limit: limit) { $0.cursor }
    }

    private static func attempts(_ json: String) throws -> [WebhookDelivery.Attempt] {
        struct Row: Decodable {
            var number: Int
            var at: Double
            var status: Int?
            var latency: Int
            var error: String?
            var response: String?
        }
        return try JSONDecoder().decode([Row].self, from: Data(json.utf8)).map {
            WebhookDelivery.Attempt(
                number: $0.number,
                attemptedAt: Date(timeIntervalSince1970: $0.at),
                statusCode: $0.status,
                latencyMilliseconds: $0.latency,
                error: $0.error,
                response: $0.response
            )
        }
    }
}

/// Filters for the delivery log.
public struct DeliveryFilter: Sendable {
    public var endpoint: UUID?
    public var state: String?
    public var eventType: String?

    public init(endpoint: UUID? = nil, state: String? = nil, eventType: String? = nil) {
        self.endpoint = endpoint
        self.state = state
        self.eventType = eventType
    }
}

/// What claiming a delivery found.
public enum DeliveryClaim: Sendable {
    case claimed(ClaimedDelivery)
    /// Another worker is sending it right now.
    case heldElsewhere
    /// Delivered, failed for good, or not due yet (its own job will come).
    case done
}

/// A delivery claimed for sending.
public struct ClaimedDelivery: Sendable {
    public var id: UUID
    public var endpointID: UUID
    public var payload: String
    /// Attempts made before this one.
    public var attempts: Int
    /// Attempts since the last replay: where the retry schedule stands.
    public var attemptsInCycle: Int
    public var firstAttemptAt: Date
    public var signing: EndpointSigning
    /// The `traceparent` of the event's span (the scoring that caused it): an attempt's span
    /// links to it rather than joining that trace, which retries could keep open for days.
    public var traceParent: String?
}

/// What an attempt leads to.
public enum AttemptOutcome: Sendable {
    case delivered
    case retry(at: Date)
    /// No more attempts; with a reason, the endpoint is disabled too.
    case failed(disableEndpoint: String?)
}
