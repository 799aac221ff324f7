import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import Logging
import PostgresNIO

/// The real PostgreSQL and Redis that `make test` starts (`deploy/local/services.sh`), shared
/// by every test in the process. Tests stay independent by each making its own tenant.
///
/// Connects as the application role (`DATABASE_URL`), the way the API does, so row-level
/// security applies; the owner role (`MIGRATION_DATABASE_URL`) only migrates.
public final class TestServers: Sendable {
    public static let shared = TestServers()

    public let database: Database
    public let redis: RedisClient
    public let redisConfiguration: RedisConfiguration
    public let logger: Logger
    public let repositoryRoot: URL
    /// The schema owner's URL (`MIGRATION_DATABASE_URL`): for what the application role may not do.
    public let migrationURL: String
    /// The application role's URL (`DATABASE_URL`).
    public let databaseURL: String
    let migrated: Task<Void, any Error>

    private init() {
        var logger = Logger(label: "jifen.tests")
        logger.logLevel = .warning
        self.logger = logger
        repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let environment = ProcessInfo.processInfo.environment
        let databaseURL =
            environment["DATABASE_URL"] ?? "postgres://jifen_app:jifen_app@127.0.0.1:54329/jifen?sslmode=disable"
        let migrationURL =
            environment["MIGRATION_DATABASE_URL"]
            ?? "postgres://jifen_owner:jifen_owner@127.0.0.1:54329/jifen?sslmode=disable"
        let systemURL =
            environment["SYSTEM_DATABASE_URL"]
            ?? "postgres://jifen_system:jifen_system@127.0.0.1:54329/jifen?sslmode=disable"
        self.migrationURL = migrationURL
        self.databaseURL = databaseURL
        let secrets: SecretBox
        do {
            // The same variables, read the same way, as the `jifen` processes the tests start,
            // so both open what the other sealed.
            secrets = try SecretBox.configured(
                key: environment["SECRETS_KEY"],
                keyID: environment["SECRETS_KEY_ID"],
                previousKeys: environment["SECRETS_PREVIOUS_KEYS"],
                production: false
            )
        } catch {
            fatalError("SECRETS_KEY is misconfigured: \(error)")
        }
        do {
            var configuration = try DatabaseURL.configuration(databaseURL)
            configuration.options.maximumConnections = 40
            let client = PostgresClient(
                configuration: configuration,
                eventLoopGroup: SpreadEventLoops(),
                backgroundLogger: logger
            )
            Task { await client.run() }
            var system = try DatabaseURL.configuration(systemURL)
            system.options.maximumConnections = 8
            let systemClient = PostgresClient(configuration: system, backgroundLogger: logger)
            Task { await systemClient.run() }
            // Tests run many suites at once on a bounded pool: waiting for a connection is normal
            // here, so the outage bound is lifted (PostgresRestartTests checks it on a live stack).
            database = Database(
                client: client,
                systemClient: systemClient,
                logger: logger,
                secrets: secrets,
                acquireTimeout: .seconds(300)
            )
            redisConfiguration = try RedisConfiguration(url: environment["REDIS_URL"] ?? "redis://127.0.0.1:63790/0")
        } catch {
            fatalError("test servers are misconfigured: \(error). Run the tests with `make test`.")
        }
        redis = RedisClient(configuration: redisConfiguration)
        let root = repositoryRoot
        let migrationLogger = logger
        // The suite brings the schema up to date itself, so `swift test` alone works too.
        migrated = Task {
            var configuration = try DatabaseURL.configuration(migrationURL)
            configuration.options.maximumConnections = 2
            let owner = PostgresClient(configuration: configuration, backgroundLogger: migrationLogger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await owner.run() }
                defer { group.cancelAll() }
                let migrations = try Migration.load(from: root.appendingPathComponent("migrations").path)
                try await Migrator(client: owner, logger: migrationLogger).migrate(migrations)
            }
        }
    }

    /// Waits until migrations are applied; call before touching tables.
    public func ready() async throws -> TestServers {
        try await migrated.value
        return self
    }

    /// A fresh tenant with its first API key.
    public func makeTenant(_ name: String = "test shop") async throws -> (Tenant, IssuedAPIKey) {
        try await ready()
        return try await TenantStore(database: database).create(name: name)
    }

    /// Rows of `table` visible to `tenant`: how tests prove a failed request wrote nothing.
    public func count(_ table: String, tenant: TenantID) async throws -> Int {
        try await database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table)"),
                logger: logger
            )
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes: tests wait for a state, never for a
/// fixed time.
public func eventually(
    timeout: Duration = .seconds(10),
    every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Runs `body` for each element, at most `width` at a time: for generated tests with many
/// cases, which would otherwise all run at once and starve the suites beside them.
public func forEach<Element: Sendable>(
    _ elements: [Element],
    width: Int,
    _ body: @escaping @Sendable (Element) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var iterator = elements.makeIterator()
        for _ in 0..<width {
            guard let element = iterator.next() else { break }
            group.addTask { try await body(element) }
        }
        while try await group.next() != nil {
            guard let element = iterator.next() else { continue }
            group.addTask { try await body(element) }
        }
    }
}
