import JifenPostgres
import JifenRedis
import Logging
import PostgresNIO

/// The PostgreSQL and Redis clients a role needs. The PostgreSQL client is a Service: it must
/// run in the role's ServiceGroup (or ``withRunningClient``) before queries make progress.
struct Connections: Sendable {
    let postgres: PostgresClient
    let database: Database
    let redis: RedisClient
    let queueKeys: QueueKeys

    init(settings: Settings, databaseURL: String? = nil, logger: Logger) throws {
        var configuration = try DatabaseURL.configuration(databaseURL ?? settings.databaseURL)
        configuration.options.maximumConnections = settings.databasePoolSize
        postgres = PostgresClient(configuration: configuration, backgroundLogger: logger)
        database = Database(
            client: postgres,
            logger: logger,
            secrets: settings.secrets,
            acquireTimeout: .seconds(settings.databaseAcquireTimeoutSeconds)
        )
        redis = RedisClient(configuration: try settings.redisConfiguration())
        queueKeys = QueueKeys(name: settings.jobQueue)
    }

    /// The job queue for short commands (enqueue, stats, dead jobs).
    var queue: JobQueue { JobQueue(keys: queueKeys, redis: redis) }

    /// Runs `body` while the PostgreSQL client runs, for one-shot commands.
    func withRunningClient<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            // `run()` marks the client running as it starts; leasing before that works but logs
            // a warning on every operator command. Give the child task its turn first (the
            // client has no public "running" flag to wait on).
            for _ in 0..<20 { await Task.yield() }
            return try await body()
        }
    }
}
