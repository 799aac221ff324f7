import JifenPostgres
import JifenRedis
import Logging
import PostgresNIO

/// The PostgreSQL and Redis clients a role needs. The PostgreSQL clients are Services: they must
/// run in the role's ServiceGroup (or ``withRunningClient``) before queries make progress.
struct Connections: Sendable {
    /// As the application role (`DATABASE_URL`): every tenant transaction.
    let postgres: PostgresClient
    /// As the system-scope role (`SYSTEM_DATABASE_URL`), a small pool of its own: tenants, keys
    /// and the outbox across tenants.
    let systemPostgres: PostgresClient
    let database: Database
    let redis: RedisClient
    let queueKeys: QueueKeys

    /// `databaseURL` replaces both URLs (`jifen migrate` works as the schema owner, which holds
    /// the system scope as well).
    init(settings: Settings, databaseURL: String? = nil, logger: Logger) throws {
        var configuration = try DatabaseURL.configuration(databaseURL ?? settings.database.url)
        configuration.options.maximumConnections = settings.database.poolSize
        postgres = PostgresClient(
            configuration: configuration,
            eventLoopGroup: SpreadEventLoops(),
            backgroundLogger: logger
        )
        var system = try DatabaseURL.configuration(databaseURL ?? settings.database.systemURL)
        system.options.maximumConnections = settings.database.systemPoolSize
        systemPostgres = PostgresClient(
            configuration: system,
            eventLoopGroup: SpreadEventLoops(),
            backgroundLogger: logger
        )
        database = Database(
            client: postgres,
            systemClient: systemPostgres,
            logger: logger,
            secrets: settings.secrets,
            acquireTimeout: .seconds(settings.database.acquireTimeoutSeconds)
        )
        redis = RedisClient(configuration: try settings.redis.configuration())
        queueKeys = QueueKeys(name: settings.redis.jobQueue)
    }

    /// The job queue for short commands (enqueue, stats, dead jobs).
    var queue: JobQueue { JobQueue(keys: queueKeys, redis: redis) }

    /// Both PostgreSQL clients, for a ServiceGroup.
    var postgresServices: [PostgresClient] { [postgres, systemPostgres] }

    /// Runs `body` while the PostgreSQL clients run, for one-shot commands.
    func withRunningClient<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            group.addTask { await systemPostgres.run() }
            defer { group.cancelAll() }
            // `run()` marks the client running as it starts; leasing before that works but logs
            // a warning on every operator command. Give the child task its turn first (the
            // client has no public "running" flag to wait on).
            for _ in 0..<20 { await Task.yield() }
            return try await body()
        }
    }
}
