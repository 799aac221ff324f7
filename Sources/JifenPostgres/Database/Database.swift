import JifenCore
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO
import Tracing

/// The PostgreSQL side of Jifen: a pooled client plus the rule that every tenant query runs
/// in a transaction that first sets `app.tenant_id`, so row-level security scopes it.
///
/// ```swift
/// let database = Database(client: appClient, systemClient: systemClient, logger: logger, secrets: box)
/// // run both clients' `run()` in the ServiceGroup first, then:
/// let member = try await database.withTenant(tenant) { try await $0.member(external: id) }
/// ```
public struct Database: Sendable {
    /// Connected as the application role: tenant transactions.
    public let client: PostgresClient
    /// Connected as the system-scope role `jifen_system` (or the schema owner): see
    /// ``withSystem(_:)``. The application role cannot become it, so a query run in a tenant
    /// transaction can never widen its own view (migrations/0014_system_role.sql).
    public let systemClient: PostgresClient
    public let logger: Logger
    /// Seals and opens the webhook secrets stored in the tenant's rows.
    public let secrets: SecretBox
    /// How long a transaction waits for a pooled connection before it gives up with
    /// `service-unavailable` (503 + `Retry-After` at the API). The pool keeps reconnecting by
    /// itself while PostgreSQL is away; without a bound, every request would hang until then.
    public let acquireTimeout: Duration

    public init(
        client: PostgresClient,
        systemClient: PostgresClient,
        logger: Logger,
        secrets: SecretBox,
        acquireTimeout: Duration = .seconds(5)
    ) {
        self.client = client
        self.systemClient = systemClient
        self.logger = logger
        self.secrets = secrets
        self.acquireTimeout = acquireTimeout
    }

    /// Runs `body` in one transaction scoped to `tenant` by row-level security.
    ///
    /// Inside ``withSharedTenantTransaction(_:_:)`` for the same tenant, `body` joins that
    /// transaction under a savepoint instead: its failure undoes only its own statements, as
    /// a transaction of its own would, and its success commits with the outer work.
    public func withTenant<T: Sendable>(
        _ tenant: TenantID,
        _ body: (TenantConnection) async throws -> T
    ) async throws -> T {
        if let shared = TenantConnection.shared, shared.tenant == tenant {
            return try await shared.savepoint(body)
        }
        return try await transaction(on: client, tenant: tenant) { connection in
            try await connection.query(
                "SELECT set_config('app.tenant_id', \(tenant.description), true)",
                logger: logger
            )
            return try await body(
                TenantConnection(connection: connection, tenant: tenant, logger: logger, secrets: secrets)
            )
        }
    }

    /// Runs `body` in one tenant transaction that every ``withTenant(_:_:)`` for the same
    /// tenant inside it joins: how an idempotent request stores its answer in the transaction
    /// that did its work, so a crash keeps both or neither.
    public func withSharedTenantTransaction<T: Sendable>(
        _ tenant: TenantID,
        _ body: (TenantConnection) async throws -> T
    ) async throws -> T {
        try await withTenant(tenant) { connection in
            try await TenantConnection.$shared.withValue(connection) { try await body(connection) }
        }
    }

    /// Runs `body` in one transaction with the system scope: tenants, API keys and the outbox
    /// across all tenants (operator endpoints, the outbox relay). Member and order data stay
    /// invisible here; those need ``withTenant(_:_:)``. The scope comes from the role the
    /// system client logs in as, not from anything a transaction sets.
    public func withSystem<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(on: systemClient, tenant: nil, body)
    }

    /// Waiting for a connection is bounded by ``acquireTimeout``; the transaction itself is not.
    ///
    /// A transaction inside a traced request or job is a span (`db.transaction`, with the
    /// tenant), so its trace shows where the time went in PostgreSQL. Transactions outside any
    /// span (the relay's and the scheduler's polling) make none: they would be a trace each,
    /// many a second, saying nothing. A no-op while tracing is off.
    func transaction<T: Sendable>(
        on client: PostgresClient,
        tenant: TenantID?,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard ServiceContext.current != nil else {
            return try await leased(on: client) { try await $0.transaction(logger: logger, body) }
        }
        return try await withSpan("db.transaction", ofKind: .client) { span in
            span.attributes["db.system"] = "postgresql"
            if let tenant { span.attributes["jifen.tenant_id"] = tenant.description }
            return try await leased(on: client) { try await $0.transaction(logger: logger, body) }
        }
    }

    /// Runs `body` with a pooled connection, waiting for one no longer than ``acquireTimeout``.
    /// A connection-level failure anywhere in it becomes `service-unavailable`; any other error
    /// is the caller's own.
    private func leased<T: Sendable>(
        on client: PostgresClient,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = NIOLockedValueBox(false)
        return try await withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    do {
                        return try await client.withConnection { connection in
                            leased.withLockedValue { $0 = true }
                            // Pool use as seen by Jifen: a lease counts from the moment the pool
                            // hands it over until the transaction ends (`jifen_db_connections_in_use`).
                            Self.inUse.increment()
                            defer { Self.inUse.decrement() }
                            return try await work.value(connection)
                        }
                    } catch {
                        throw Self.unavailable(error) ?? error
                    }
                }
                group.addTask {
                    await LoopTimer.sleep(for: acquireTimeout)
                    if !Task.isCancelled && !leased.withLockedValue({ $0 }) {
                        throw JifenError(
                            .serviceUnavailable,
                            "The database is not answering; retry in a moment."
                        )
                    }
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let result = next { return result }
                }
                throw CancellationError()
            }
        }
    }

    /// Connection-level failures (PostgreSQL restarting, the network gone) are a passing
    /// outage, not a bug: `service-unavailable`, so the caller retries.
    public static func unavailable(_ error: any Error) -> JifenError? {
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection:
            return connectionLost
        default:
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") || state.hasPrefix("08") {
                // admin_shutdown, crash_shutdown, cannot_connect_now; connection exceptions
                return JifenError(.serviceUnavailable, "The database is restarting; retry in a moment.")
            }
            return nil
        }
    }

    static let inUse = Meter(label: "jifen_db_connections_in_use")

    /// `SELECT 1` on both pools, for the readiness probe: bounded by ``acquireTimeout`` like
    /// any transaction, so a probe answers while PostgreSQL is away.
    public func ping() async throws {
        for pool in [client, systemClient] {
            try await leased(on: pool) { _ = try await $0.checkedQuery("SELECT 1", logger: logger) }
        }
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
        try await connection.checkedQuery(query, logger: logger)
    }

    /// The transaction nested `withTenant` calls join (see ``Database/withSharedTenantTransaction(_:_:)``).
    @TaskLocal static var shared: TenantConnection?

    /// Runs `body` under a savepoint: an error rolls back to it and is rethrown.
    public func savepoint<T: Sendable>(_ body: (TenantConnection) async throws -> T) async throws -> T {
        try await query("SAVEPOINT jifen_nested")
        do {
            let result = try await body(self)
            try await query("RELEASE SAVEPOINT jifen_nested")
            return result
        } catch {
            // After a lost connection there is nothing to roll back to, and nothing to write to.
            if !Database.lostConnection(error) {
                try await query("ROLLBACK TO SAVEPOINT jifen_nested")
                try await query("RELEASE SAVEPOINT jifen_nested")
            }
            throw error
        }
    }
}

/// Lets a non-escaping closure run in a child task of a group that ends before the closure's
/// scope does (see ``Database/leased(on:_:)``).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
