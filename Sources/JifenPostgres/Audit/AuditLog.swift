import Foundation
import JifenCore
import PostgresNIO

/// One entry of the audit log as read back. `before` and `after` are JSON text holding only
/// what changed (migrations/0021_audit_log_and_scopes.sql, `jifen_jsonb_changed`): `nil`
/// before a creation and after a deletion.
public struct AuditEntry: Sendable, Hashable {
    public var id: UUID
    public var createdAt: Date
    var createdAtMicros: Int64
    public var actor: AuditActor
    public var action: String
    public var targetKind: String
    public var targetID: String?
    public var before: String?
    public var after: String?

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}

/// What to list: by action, by target, by time; newest first.
public struct AuditFilter: Sendable, Hashable {
    public var action: String?
    public var targetKind: String?
    public var targetID: String?
    public var from: Date?
    public var to: Date?

    public init(
        action: String? = nil,
        targetKind: String? = nil,
        targetID: String? = nil,
        from: Date? = nil,
        to: Date? = nil
    ) {
        (self.action, self.targetKind, self.targetID, self.from, self.to) = (action, targetKind, targetID, from, to)
    }
}

/// Writing and reading the audit log. An entry is written by the transaction that makes the
/// change, so the log has every committed change and nothing that was rolled back.
enum AuditLog {
    /// The JSON both sides of an entry are written in: the API's wire types encode themselves
    /// in snake_case; dates as RFC 3339, keys sorted so equal values compare equal.
    static func json(_ value: (any Encodable & Sendable)?) throws -> String? {
        guard let value else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func record(
        on connection: PostgresConnection,
        tenant: TenantID,
        _ action: AuditAction,
        target: String?,
        before: (any Encodable & Sendable)?,
        after: (any Encodable & Sendable)?,
        logger: Logger
    ) async throws {
        try await insert(on: connection, tenant: tenant, action, target: target, member: nil, before, after, logger)
    }

    /// The entry about a member names it by the id Jifen gave it, never by the shop's external
    /// id: the log is append-only and outlives an erasure (docs/privacy.md), and an external id
    /// may be personal (an email, a phone number).
    static func record(
        on connection: PostgresConnection,
        tenant: TenantID,
        _ action: AuditAction,
        member: ExternalID,
        before: (any Encodable & Sendable)?,
        after: (any Encodable & Sendable)?,
        logger: Logger
    ) async throws {
        try await insert(on: connection, tenant: tenant, action, target: nil, member: member, before, after, logger)
    }

    private static func insert(
        on connection: PostgresConnection,
        tenant: TenantID,
        _ action: AuditAction,
        target: String?,
        member: ExternalID?,
        _ before: (any Encodable & Sendable)?,
        _ after: (any Encodable & Sendable)?,
        _ logger: Logger
    ) async throws {
        let actor = AuditActor.current
        let old = try json(before)
        let new = try json(after)
        try await connection.query(
            """
            INSERT INTO audit_log (tenant_id, actor_kind, actor_id, actor_name, request_id, action, target_kind,
                target_id, before, after)
            VALUES (\(tenant.rawValue), \(actor.kind.rawValue), \(actor.id), \(actor.name), \(actor.requestID),
                \(action.rawValue), \(action.targetKind),
                CASE WHEN \(member?.rawValue)::text IS NULL THEN \(target)::text
                     ELSE (SELECT id::text FROM members
                           WHERE tenant_id = \(tenant.rawValue) AND external_id = \(member?.rawValue)) END,
                jifen_jsonb_changed(\(old)::jsonb, \(new)::jsonb), jifen_jsonb_changed(\(new)::jsonb, \(old)::jsonb))
            """,
            logger: logger
        )
    }

    static func page(
        on connection: PostgresConnection,
        tenant: TenantID,
        _ filter: AuditFilter,
        limit: PageLimit,
        after cursor: PageCursor?,
        logger: Logger
    ) async throws -> Page<AuditEntry> {
        let rows = try await connection.query(
            """
            SELECT id, created_at, (extract(epoch FROM created_at) * 1000000)::bigint, actor_kind, actor_id,
                actor_name, request_id, action, target_kind, target_id, before::text, after::text
            FROM audit_log
            WHERE tenant_id = \(tenant.rawValue) AND \(after: cursor)
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.targetKind)::text IS NULL OR target_kind = \(filter.targetKind))
              AND (\(filter.targetID)::text IS NULL OR target_id = \(filter.targetID))
              AND (\(filter.from)::timestamptz IS NULL OR created_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR created_at < \(filter.to))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit.value + 1)
            """,
            logger: logger
        )
        var entries: [AuditEntry] = []
        for try await row in rows {
            let (
                id, createdAt, micros, kind, actorID, actorName, requestID, action, targetKind, targetID, before, after
            ) =
                try row.decode(
                    (UUID, Date, Int64, String, String?, String?, String?, String, String, String?, String?, String?)
                        .self
                )
            entries.append(
                AuditEntry(
                    id: id,
                    createdAt: createdAt,
                    createdAtMicros: micros,
                    actor: AuditActor(
                        kind: AuditActor.Kind(rawValue: kind) ?? .system,
                        id: actorID,
                        name: actorName,
                        requestID: requestID
                    ),
                    action: action,
                    targetKind: targetKind,
                    targetID: targetID,
                    before: before,
                    after: after
                )
            )
        }
        return Page.slicing(entries, limit: limit) { $0.cursor }
    }
}

extension TenantConnection {
    /// Records an administrative change made in this transaction, by ``AuditActor/current``.
    /// `before` and `after` are the thing as the API shows it; the log keeps what differs.
    public func recordAudit(
        _ action: AuditAction,
        target: String?,
        before: (any Encodable & Sendable)? = nil,
        after: (any Encodable & Sendable)? = nil
    ) async throws {
        try await AuditLog.record(
            on: connection,
            tenant: tenant,
            action,
            target: target,
            before: before,
            after: after,
            logger: logger
        )
    }

    /// Records a change about one member, named in the log by its Jifen id (see
    /// ``AuditLog/record(on:tenant:_:member:before:after:logger:)``).
    public func recordAudit(
        _ action: AuditAction,
        member: ExternalID,
        before: (any Encodable & Sendable)? = nil,
        after: (any Encodable & Sendable)? = nil
    ) async throws {
        try await AuditLog.record(
            on: connection,
            tenant: tenant,
            action,
            member: member,
            before: before,
            after: after,
            logger: logger
        )
    }

    /// The tenant's audit log, newest first.
    public func auditLog(_ filter: AuditFilter, limit: PageLimit, after cursor: PageCursor?) async throws
        -> Page<AuditEntry>
    {
        try await AuditLog.page(on: connection, tenant: tenant, filter, limit: limit, after: cursor, logger: logger)
    }
}
