import ArgumentParser
import Foundation
import Hummingbird
import JifenAPI
import JifenConsole
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API. SIGTERM stops accepting, finishes in-flight requests, exits."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.api")
        MetricsRegistry.bootstrap(databasePoolSize: settings.database.poolSize)
        let connections = try Connections(settings: settings, logger: logger)
        let specification: Data
        do {
            specification = try Data(contentsOf: URL(fileURLWithPath: settings.api.specificationPath))
        } catch {
            throw ValidationError(
                "cannot read the OpenAPI spec at '\(settings.api.specificationPath)': set OPENAPI_SPEC"
            )
        }
        if let problem = OperatorTokenPolicy.problem(with: settings.api.operatorToken) {
            throw ValidationError(problem)
        }
        if settings.api.operatorToken.isEmpty {
            logger.warning("OPERATOR_TOKEN is empty: the /admin endpoints are disabled")
        }
        let drain = DrainState()
        let app = try APIApplication.make(
            configuration: APIConfiguration(
                host: settings.host,
                port: settings.api.port,
                operatorToken: settings.api.operatorToken,
                defaultRateLimit: settings.api.defaultRateLimit,
                redisPrefix: settings.redis.jobQueue,
                metrics: MetricsRegistry.exposition,
                authFailureBurst: settings.api.authFailureBurst,
                authFailuresPerMinute: settings.api.authFailuresPerMinute,
                trustForwardedFor: settings.api.trustForwardedFor,
                // The cache's listener holds a pooled connection: a pool of one is left to requests.
                keyCacheTTL: settings.database.poolSize >= 2 ? .seconds(settings.api.keyCacheSeconds) : .zero
            ),
            database: connections.database,
            redis: connections.redis,
            specification: specification,
            services: connections.postgresServices,
            drain: drain,
            drainNotice: Self.drainNotice(drainSeconds: settings.drainSeconds),
            // The staff console under /console, over the API's own handlers (docs/console.md).
            mount: Console.mount(
                configuration: settings.console,
                database: connections.database,
                specification: specification,
                logger: logger
            ),
            logger: logger
        )
        // SIGTERM: the server stops accepting at once; open connections get a short notice in
        // which every response says `Connection: close` (so keep-alive clients leave after a
        // response, never on a reset), then idle ones are closed; in-flight requests get
        // DRAIN_SECONDS in all before they are cancelled and the process exits.
        // The trace exporter first: a group stops its services in reverse, so it flushes last.
        let tracing = try TracingBootstrap.start(serviceName: "jifen-api")
        var group = ServiceGroupConfiguration(
            services: (tracing.map { [$0] } ?? []) + [app],
            gracefulShutdownSignals: [],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = .seconds(settings.drainSeconds)
        group.maximumCancellationDuration = .seconds(5)
        let services = ServiceGroup(configuration: group)
        let notice = Self.drainNotice(drainSeconds: settings.drainSeconds)
        logger.info("api starting", metadata: ["host": "\(settings.host)", "port": "\(settings.api.port)"])
        let signals = Task {
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                logger.info("api draining", metadata: ["signal": "\(signal)", "notice_ms": "\(notice.milliseconds)"])
                drain.begin()
                await services.triggerGracefulShutdown()
                return
            }
        }
        // The group ends when drained (or failed); the signal task is no longer needed then.
        defer { signals.cancel() }
        try await services.run()
    }

    /// How long open connections get to see `Connection: close` before idle ones are closed:
    /// half of DRAIN_SECONDS. Closing an idle keep-alive connection always races a client that
    /// is just then sending on it; the longer the notice, the more surely every active client
    /// has had an answer telling it to leave. Connections that do leave end the wait early.
    static func drainNotice(drainSeconds: Int) -> Duration {
        .milliseconds(drainSeconds * 500)
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
