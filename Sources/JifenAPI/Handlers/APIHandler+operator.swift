import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createTenant(_ input: Operations.CreateTenant.Input) async throws -> Operations.CreateTenant.Output {
        try RequestScope.requireOperator()
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let (tenant, key) = try await tenants.create(name: body.name)
        logger.info("tenant created", metadata: ["tenant": "\(tenant.id)"])
        return .created(
            .init(
                body: .json(.init(tenant: .init(tenant, default: configuration.defaultRateLimit), apiKey: .init(key)))
            )
        )
    }

    public func listTenants(_ input: Operations.ListTenants.Input) async throws -> Operations.ListTenants.Output {
        try RequestScope.requireOperator()
        let page = try await tenants.list(
            limit: try PageLimit(input.query.limit),
            after: try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map { .init($0, default: configuration.defaultRateLimit) },
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func createApiKey(_ input: Operations.CreateApiKey.Input) async throws -> Operations.CreateApiKey.Output {
        try RequestScope.requireOperator()
        let tenant = try Self.tenantID(input.path.tenant)
        var (name, scopes): (String?, [String]?) = (nil, nil)
        if case .json(let body) = input.body { (name, scopes) = (body.name, body.scopes?.map(\.rawValue)) }
        let key = try await tenants.createKey(for: tenant, name: name, scopes: try APIScope.validate(scopes))
        logger.info("API key created", metadata: ["tenant": "\(tenant)", "key": "\(key.secret.prefix)"])
        return .created(.init(body: .json(.init(key))))
    }

    public func revokeApiKey(_ input: Operations.RevokeApiKey.Input) async throws -> Operations.RevokeApiKey.Output {
        try RequestScope.requireOperator()
        let tenant = try Self.tenantID(input.path.tenant)
        let key = try Self.lookupUUID(input.path.key, kind: "API key")
        try await tenants.revokeKey(key, of: tenant)
        logger.info("API key revoked", metadata: ["tenant": "\(tenant)", "key": "\(key)"])
        return .noContent(.init())
    }

    public func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        try RequestScope.requireOperator()
        let tenant = try await tenants.tenant(try Self.tenantID(input.path.tenant))
        return .ok(.init(body: .json(.init(tenant, default: configuration.defaultRateLimit))))
    }

    public func setTenantRateLimit(_ input: Operations.SetTenantRateLimit.Input) async throws
        -> Operations.SetTenantRateLimit.Output
    {
        try RequestScope.requireOperator()
        let id = try Self.tenantID(input.path.tenant)
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let limit = try RateLimit.validated(perSecond: body.requestsPerSecond, burst: body.burst)
        let tenant = try await tenants.setRateLimit(limit, for: id)
        logger.info(
            "tenant rate limit set",
            metadata: ["tenant": "\(id)", "per_second": "\(limit.perSecond)", "burst": "\(limit.burst)"]
        )
        return .ok(.init(body: .json(.init(tenant, default: configuration.defaultRateLimit))))
    }

    public func resetTenantRateLimit(_ input: Operations.ResetTenantRateLimit.Input) async throws
        -> Operations.ResetTenantRateLimit.Output
    {
        try RequestScope.requireOperator()
        let id = try Self.tenantID(input.path.tenant)
        let tenant = try await tenants.setRateLimit(nil, for: id)
        logger.info("tenant rate limit reset to the default", metadata: ["tenant": "\(id)"])
        return .ok(.init(body: .json(.init(tenant, default: configuration.defaultRateLimit))))
    }

    /// A malformed tenant id cannot name a tenant: that is a 404, like an unknown one.
    static func tenantID(_ text: String) throws(JifenError) -> TenantID {
        guard let tenant = TenantID(text) else { throw JifenError.notFound("no tenant '\(text)'") }
        return tenant
    }
}
