import Foundation
import JifenCore
import JifenPostgres

// The tenant's own keys and the audit log (tag Access), and the operator's view of the log.
extension APIHandler {
    public func listTenantApiKeys(_ input: Operations.ListTenantApiKeys.Input) async throws
        -> Operations.ListTenantApiKeys.Output
    {
        let page = try await tenants.keys(
            of: try RequestScope.tenant(),
            limit: try PageLimit(input.query.limit),
            after: try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        )
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.ApiKey.init), nextCursor: page.nextCursor?.encoded)
                )
            )
        )
    }

    public func createTenantApiKey(_ input: Operations.CreateTenantApiKey.Input) async throws
        -> Operations.CreateTenantApiKey.Output
    {
        let tenant = try RequestScope.tenant()
        var (name, scopes): (String?, [String]?) = (nil, nil)
        if case .json(let body) = input.body { (name, scopes) = (body.name, body.scopes?.map(\.rawValue)) }
        let key = try await tenants.createKey(for: tenant, name: name, scopes: try APIScope.validate(scopes))
        logger.info("API key created", metadata: ["key": "\(key.secret.prefix)"])
        return .created(.init(body: .json(.init(key))))
    }

    public func revokeTenantApiKey(_ input: Operations.RevokeTenantApiKey.Input) async throws
        -> Operations.RevokeTenantApiKey.Output
    {
        let key = try Self.lookupUUID(input.path.key, kind: "API key")
        try await tenants.revokeKey(key, of: try RequestScope.tenant())
        logger.info("API key revoked", metadata: ["key": "\(key)"])
        return .noContent(.init())
    }

    public func listAuditLog(_ input: Operations.ListAuditLog.Input) async throws -> Operations.ListAuditLog.Output {
        let q = input.query
        let (filter, limit, cursor) = try Self.auditQuery(
            q.action,
            q.targetKind,
            q.targetId,
            q.from,
            q.to,
            limit: q.limit,
            cursor: q.cursor
        )
        let page = try await withTenant { try await $0.auditLog(filter, limit: limit, after: cursor) }
        return .ok(.init(body: .json(try .init(page))))
    }

    public func getTenantAuditLog(_ input: Operations.GetTenantAuditLog.Input) async throws
        -> Operations.GetTenantAuditLog.Output
    {
        try RequestScope.requireOperator()
        let tenant = try await tenants.tenant(try Self.tenantID(input.path.tenant)).id
        let q = input.query
        let (filter, limit, cursor) = try Self.auditQuery(
            q.action,
            q.targetKind,
            q.targetId,
            q.from,
            q.to,
            limit: q.limit,
            cursor: q.cursor
        )
        let page = try await database.withTenant(tenant) { try await $0.auditLog(filter, limit: limit, after: cursor) }
        return .ok(.init(body: .json(try .init(page))))
    }
}

extension APIHandler {
    /// The audit log's query parameters, the same for the tenant's and the operator's view.
    static func auditQuery(
        _ action: String?,
        _ targetKind: String?,
        _ targetID: String?,
        _ from: Date?,
        _ to: Date?,
        limit: Int?,
        cursor: String?
    ) throws(JifenError) -> (AuditFilter, PageLimit, PageCursor?) {
        (
            AuditFilter(action: action, targetKind: targetKind, targetID: targetID, from: from, to: to),
            try PageLimit(limit),
            try cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        )
    }
}

extension Components.Schemas.ApiKey {
    init(_ key: APIKeyInfo) {
        self.init(
            id: key.id.uuidString.lowercased(),
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes.compactMap { Components.Schemas.ApiScope(rawValue: $0.rawValue) },
            createdAt: key.createdAt,
            lastUsedAt: key.lastUsedAt,
            revokedAt: key.revokedAt
        )
    }
}

extension Components.Schemas.AuditLog {
    init(_ page: Page<AuditEntry>) throws {
        self.init(data: try page.items.map(Components.Schemas.AuditEntry.init), nextCursor: page.nextCursor?.encoded)
    }
}

extension Components.Schemas.AuditEntry {
    init(_ entry: AuditEntry) throws {
        // The stored JSON is the wire form already: decoded into the free-form payload as is.
        func object<Payload: Decodable>(_ text: String?) throws -> Payload? {
            try text.map { try JSONDecoder().decode(Payload.self, from: Data($0.utf8)) }
        }
        self.init(
            id: entry.id.uuidString.lowercased(),
            createdAt: entry.createdAt,
            actor: .init(
                kind: .init(rawValue: entry.actor.kind.rawValue) ?? .system,
                id: entry.actor.id,
                name: entry.actor.name
            ),
            requestId: entry.actor.requestID,
            action: entry.action,
            target: .init(kind: entry.targetKind, id: entry.targetID),
            before: try object(entry.before),
            after: try object(entry.after)
        )
    }
}
