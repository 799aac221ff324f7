import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import Logging

/// Implements the operations generated from `openapi/openapi.yaml`. Each operation lives in
/// an extension named for its resource (`APIHandler+orders.swift`, …).
///
/// Handlers only translate: generated input → validated core value → store → generated
/// output. Errors are thrown as ``JifenError`` and mapped to problem+json in one place.
public struct APIHandler: APIProtocol {
    let database: Database
    let tenants: TenantStore
    let redis: RedisClient
    /// The spec file's bytes, served at `GET /openapi.yaml`.
    let specification: Data
    /// `GET /docs`, rendered once from the spec at start-up.
    let referenceHTML: String
    let configuration: APIConfiguration
    let logger: Logger

    public init(
        database: Database,
        redis: RedisClient,
        specification: Data,
        configuration: APIConfiguration = .init(),
        logger: Logger
    ) throws {
        self.database = database
        self.tenants = TenantStore(database: database)
        self.redis = redis
        self.specification = specification
        self.referenceHTML = try SpecificationCache.referenceHTML(specification)
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` in a transaction scoped to the calling tenant.
    func withTenant<T: Sendable>(_ body: (TenantConnection) async throws -> T) async throws -> T {
        try await database.withTenant(try RequestScope.tenant(), body)
    }
}
