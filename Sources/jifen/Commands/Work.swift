import ArgumentParser
import Foundation
import JifenPostgres
import JifenRedis
import JifenWorker
import NIOPosix
import ServiceLifecycle

struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker: relay the outbox, run jobs. SIGTERM stops claiming, finishes what it holds, exits."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.worker")
        MetricsRegistry.bootstrap(databasePoolSize: settings.database.poolSize)
        let connections = try Connections(settings: settings, logger: logger)
        let readerThreads = NIOThreadPool(numberOfThreads: 2)
        readerThreads.start()
        let queue = try settings.redis.workerQueue(
            keys: connections.queueKeys,
            redis: connections.redis,
            readerThreads: readerThreads
        )
        let runner = JobRunner(
            queue: queue,
            handlers: PointsHandlers.all(database: connections.database, logger: logger)
                + [settings.webhooks.dispatcher(database: connections.database, logger: logger)],
            configuration: settings.runner.configuration(webhooks: settings.webhooks),
            logger: logger
        )
        let relay = settings.relay.relay(
            database: connections.database,
            queue: queue,
            tenants: settings.runner.tenants,
            logger: logger
        )
        // The trace exporter first, so it stops (and flushes) last; then PostgreSQL: queries hang
        // until its clients run.
        let tracing = try TracingBootstrap.start(serviceName: "jifen-worker")
        var services: [ServiceGroupConfiguration.ServiceConfiguration] =
            (tracing.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
            + connections.postgresServices.map { .init(service: $0) } + [.init(service: relay)]
        if let scheduler = settings.scheduler.scheduler(
            connections: connections,
            queue: queue,
            tenants: settings.runner.tenants,
            logger: logger
        ) {
            services.append(.init(service: scheduler))
        }
        services.append(
            .init(
                service: QueueSampler(
                    queue: queue,
                    outbox: OutboxStore(database: connections.database),
                    logger: logger
                )
            )
        )
        if settings.metricsPort > 0 {
            services.append(
                .init(
                    service: WorkerProbes.application(host: settings.host, port: settings.metricsPort, logger: logger)
                )
            )
        }
        services.append(.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup))
        if settings.secrets.current.isDevelopment {
            logger.warning(
                "SECRETS_KEY is unset: webhook secrets are sealed with the published development key (JIFEN_ENV=production refuses to start this way)"
            )
        }
        logger.info(
            "worker starting",
            metadata: [
                "concurrency": "\(settings.runner.concurrency)", "queue": "\(settings.redis.jobQueue)",
                "tenants": "\(settings.runner.tenants.map { $0.map(\.description).joined(separator: ",") } ?? "all")",
                "scheduler_interval": "\(settings.scheduler.interval)", "metrics_port": "\(settings.metricsPort)",
                "secrets_key": "\(settings.secrets.current.id)",
            ]
        )
        // SIGTERM: stop claiming, let the jobs in hand finish for up to DRAIN_SECONDS; a job cut
        // off after that is not acknowledged, so another worker reclaims it.
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(settings.drainSeconds)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            try? await readerThreads.shutdownGracefully()
            throw error
        }
        try await readerThreads.shutdownGracefully()
    }
}
