import Foundation
import JifenPostgres
import PostgresNIO

/// A PostgreSQL server of the test's own, made by `deploy/local/services.sh` (the same roles
/// and settings as `make test`'s), so a test can stop and start it under a running API and
/// workers. Its data lives in a temporary directory, removed by ``destroy()``.
public final class PrivatePostgres: @unchecked Sendable {
    public let port: Int
    let directory: URL

    public init() throws {
        port = try TestPorts.reserve()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent(
            "jifen-pg-\(port)-\(UUID().uuidString.prefix(6))"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public var databaseURL: String { "postgres://jifen_app:jifen_app@127.0.0.1:\(port)/jifen?sslmode=disable" }
    public var systemURL: String {
        "postgres://jifen_system:jifen_system@127.0.0.1:\(port)/jifen?sslmode=disable"
    }
    public var migrationURL: String { "postgres://jifen_owner:jifen_owner@127.0.0.1:\(port)/jifen?sslmode=disable" }

    /// Creates, starts and provisions the cluster.
    public func create() async throws { try await services("pg-up") }

    /// Stops it (fast shutdown: open connections are cut, as in a crash or failover).
    public func stop() async throws { try await services("pg-stop") }

    public func start() async throws { try await services("pg-start") }

    /// Stops it if running and deletes its data.
    public func destroy() async {
        try? await services("pg-stop")
        try? FileManager.default.removeItem(at: directory)
    }

    func services(_ command: String) async throws {
        let script = TestServers.shared.repositoryRoot.appendingPathComponent("deploy/local/services.sh").path
        let process = try ChildProcess(
            executable: "/bin/bash",
            arguments: [script, command],
            environment: [
                "JIFEN_LOCAL_DIR": directory.path, "JIFEN_PG_PORT": "\(port)",
                // Its Redis settings are never used (pg-* commands only), but must not clash.
                "JIFEN_REDIS_PORT": "\(port + 1)",
            ],
            name: "private-pg-\(command)"
        )
        guard let status = try await process.exitStatus(within: .seconds(120)) else {
            process.kill()
            throw ProcessHarnessError(description: "services.sh \(command) did not finish: \(process.log)")
        }
        guard status == 0 else {
            throw ProcessHarnessError(description: "services.sh \(command) failed (\(status)): \(process.log)")
        }
    }
}

extension PrivatePostgres {
    /// Runs `body` with clients of this server as the application and system roles (row-level
    /// security applies, as for the API).
    public func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        var configuration = try DatabaseURL.configuration(databaseURL)
        configuration.options.maximumConnections = 4
        let client = PostgresClient(configuration: configuration, backgroundLogger: TestServers.shared.logger)
        var system = try DatabaseURL.configuration(systemURL)
        system.options.maximumConnections = 2
        let systemClient = PostgresClient(configuration: system, backgroundLogger: TestServers.shared.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask {
                await systemClient.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(
                Database(
                    client: client,
                    systemClient: systemClient,
                    logger: TestServers.shared.logger,
                    secrets: TestServers.shared.database.secrets
                )
            )
        }
    }
}
