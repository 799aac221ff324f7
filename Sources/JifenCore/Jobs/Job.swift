import Foundation

/// A unit of background work, as it travels through the outbox and the Redis queue.
///
/// Delivery is at least once, so every handler is idempotent: running a job twice must change
/// nothing the second time.
public struct Job: Sendable, Hashable, Codable {
    /// Stable across retries: `outbox:<row id>` for jobs from the outbox.
    public var id: String
    public var kind: JobKind
    /// `nil` for jobs that are not about one tenant.
    public var tenant: TenantID?
    /// Kind-specific JSON.
    public var payload: String
    /// 0 on the first run, incremented by each retry.
    public var attempt: Int
    public var enqueuedAt: Date
    /// Not before this time: the queue keeps the job in its delayed set until then.
    public var runAt: Date?
    /// The W3C `traceparent` of the span that queued it, for the worker's span to join its
    /// trace; `nil` when tracing is off.
    public var traceParent: String?

    public init(
        id: String,
        kind: JobKind,
        tenant: TenantID?,
        payload: String,
        attempt: Int = 0,
        enqueuedAt: Date = Date(),
        runAt: Date? = nil,
        traceParent: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.tenant = tenant
        self.payload = payload
        self.attempt = attempt
        self.enqueuedAt = enqueuedAt
        self.runAt = runAt
        self.traceParent = traceParent
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, tenant, payload, attempt
        case enqueuedAt = "enqueued_at"
        case runAt = "run_at"
        case traceParent = "trace_parent"
    }

    /// The wire form: compact JSON with dates as seconds since 1970, readable with redis-cli.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> Job {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(Job.self, from: Data(text.utf8))
    }
}

/// What a job does. An open set of names (like ``JifenError/Code``), so adding a kind breaks
/// no switch.
public struct JobKind: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

    public init(from decoder: any Decoder) throws {
        self.name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    public var description: String { name }

    /// Bring an order's points in line with its state: award once paid, take back on
    /// cancel or refund.
    public static let scoreOrder: JobKind = "order.score"
    /// Make a tenant's pending points that are due available.
    public static let releasePoints: JobKind = "points.release"
    /// Release a tenant's redemption holds that have expired.
    public static let expireHolds: JobKind = "redemptions.expire"
    /// Expire a tenant's lots that are due.
    public static let expireLots: JobKind = "points.expire"
    /// Record `points.expiring` reminders.
    public static let remindExpiring: JobKind = "points.remind"
    /// Grant staged-bonus installments that are due.
    public static let grantInstallments: JobKind = "schedules.grant"
    /// Look again at tiers not evaluated for a day: downgrades after the grace period.
    public static let evaluateTiers: JobKind = "tiers.evaluate"
    /// Record `member.lapsed` for members past the repurchase window.
    public static let detectLapses: JobKind = "members.lapse"
    /// Grant a grant campaign's members in batches (payload `{"campaign_id": uuid}`).
    public static let runCampaign: JobKind = "campaigns.run"
    /// Expire a tenant's issued coupons past their end (`coupon.expired`).
    public static let expireCoupons: JobKind = "coupons.expire"
    /// Record `coupon.expiring` reminders.
    public static let remindCoupons: JobKind = "coupons.remind"
    /// The wallets' periodic work: installments due, holds and bonus expired, reminders.
    public static let sweepWallets: JobKind = "wallets.sweep"
    /// Move journey members whose next step is due.
    public static let advanceJourneys: JobKind = "journeys.advance"
    /// Record `member.lapsing` for category windows that passed (and enrol lapsing journeys).
    public static let detectCategoryLapses: JobKind = "members.lapsing"
    /// Store a tenant's report aggregates for the days that have ended (docs/reports.md).
    public static let aggregateReports: JobKind = "reports.aggregate"
    /// Import the next batches of an import's file (payload `{"import_id": uuid}`), then write
    /// the job again if rows remain (docs/data.md).
    public static let processImport: JobKind = "imports.process"
    /// Write the next batches of an export's file (payload `{"export_id": uuid}`).
    public static let writeExport: JobKind = "exports.write"
    /// Delete a tenant's import and export files past their expiry.
    public static let expireFiles: JobKind = "files.expire"
    /// Turn a tenant's new domain events into webhook deliveries.
    public static let fanOutEvents: JobKind = "events.fanout"
    /// Send one webhook delivery (one attempt).
    public static let dispatchWebhook: JobKind = "notify.dispatch"
}
