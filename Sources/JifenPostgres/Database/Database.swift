import JifenCore
import Logging
import Metrics
import PostgresNIO

/// The PostgreSQL side of Jifen: a pooled client plus the rule that every tenant query runs
/// in a transaction that first sets `app.tenant_id`, so row-level security scopes it.
///
/// ```swift
/// let database = Database(client: PostgresClient(configuration: config), logger: logger, secrets: box)
/// // run `database.client.run()` in the ServiceGroup first, then:
/// let member = try await database.withTenant(tenant) { try await $0.member(external: id) }
/// ```
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// Seals and opens the webhook secrets stored in the tenant's rows.
    public let secrets: SecretBox

    public init(client: PostgresClient, logger: Logger, secrets: SecretBox) {
        self.client = client
        self.logger = logger
        self.secrets = secrets
    }

    /// Runs `body` in one transaction scoped to `tenant` by row-level security.
    public func withTenant<T: Sendable>(
        _ tenant: TenantID,
        _ body: (TenantConnection) async throws -> T
    ) async throws -> T {
        try await transaction { connection in
            try await connection.query(
                "SELECT set_config('app.tenant_id', \(tenant.description), true)",
                logger: logger
            )
            return try await body(
                TenantConnection(connection: connection, tenant: tenant, logger: logger, secrets: secrets)
            )
        }
    }

    /// Runs `body` in one transaction with the system scope: tenants, API keys and the outbox
    /// across all tenants (operator endpoints, the outbox relay). Member and order data stay
    /// invisible here; those need ``withTenant(_:_:)``.
    public func withSystem<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.query("SELECT set_config('app.scope', 'system', true)", logger: logger)
            return try await body(connection)
        }
    }

    /// PostgresNIO wraps every error of a transaction; callers want their own error back.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // Pool use as seen by Jifen: a lease counts from the moment the pool hands it
                // over until the transaction ends (`jifen_db_connections_in_use`).
                Self.inUse.increment()
                defer { Self.inUse.decrement() }
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw error
        }
    }

    static let inUse = Meter(label: "jifen_db_connections_in_use")

    /// `SELECT 1`, for the readiness probe.
    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }
}

/// A connection inside a tenant-scoped transaction. Repositories extend it, so a query can
/// only be written where the tenant is already set.
public struct TenantConnection: Sendable {
    public let connection: PostgresConnection
    public let tenant: TenantID
    let logger: Logger
    let secrets: SecretBox

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }
}
