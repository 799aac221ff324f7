import ArgumentParser
import Foundation
import Hummingbird
import JifenAPI
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API. SIGTERM stops accepting, finishes in-flight requests, exits."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.api")
        MetricsRegistry.bootstrap(databasePoolSize: settings.databasePoolSize)
        let connections = try Connections(settings: settings, logger: logger)
        let specification: Data
        do {
            specification = try Data(contentsOf: URL(fileURLWithPath: settings.specificationPath))
        } catch {
            throw ValidationError("cannot read the OpenAPI spec at '\(settings.specificationPath)': set OPENAPI_SPEC")
        }
        if settings.operatorToken.isEmpty {
            logger.warning("OPERATOR_TOKEN is empty: the /admin endpoints are disabled")
        }
        let app = try APIApplication.make(
            configuration: APIConfiguration(
                host: settings.host,
                port: settings.port,
                operatorToken: settings.operatorToken,
                defaultRateLimit: settings.defaultRateLimit,
                redisPrefix: settings.jobQueue,
                metrics: MetricsRegistry.exposition
            ),
            database: connections.database,
            redis: connections.redis,
            specification: specification,
            services: [connections.postgres],
            logger: logger
        )
        // SIGTERM: the server stops accepting at once and in-flight requests get DRAIN_SECONDS
        // to finish; then they are cancelled and the process exits.
        var group = ServiceGroupConfiguration(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = .seconds(settings.drainSeconds)
        group.maximumCancellationDuration = .seconds(5)
        logger.info("api starting", metadata: ["host": "\(settings.host)", "port": "\(settings.port)"])
        try await ServiceGroup(configuration: group).run()
    }
}
