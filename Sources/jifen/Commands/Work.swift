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
        MetricsRegistry.bootstrap(databasePoolSize: settings.databasePoolSize)
        let connections = try Connections(settings: settings, logger: logger)
        // Blocking reads get their own threads and connection (docs/architecture.md, Pitfalls).
        let readerThreads = NIOThreadPool(numberOfThreads: 2)
        readerThreads.start()
        let queue = JobQueue(
            keys: connections.queueKeys,
            redis: connections.redis,
            blocking: RedisClient(
                configuration: try settings.redisConfiguration(),
                threadPool: readerThreads,
                maxIdle: 1
            )
        )
        // Webhook deliveries: each attempt makes its own HTTP client, pinned to the address
        // it checked (AddressPolicy), without redirects.
        let dispatcher = WebhookDispatcher(
            database: connections.database,
            addresses: AddressPolicy(allowPrivate: settings.allowPrivateWebhooks),
            logger: logger
        )
        let runner = JobRunner(
            queue: queue,
            handlers: PointsHandlers.all(database: connections.database, logger: logger) + [dispatcher],
            configuration: JobRunnerConfiguration(
                concurrency: settings.workerConcurrency,
                retry: settings.retryPolicy,
                visibilityTimeout: .seconds(settings.jobVisibilityTimeoutSeconds),
                lanes: JobRunnerConfiguration.defaultLanes(
                    concurrency: settings.workerConcurrency,
                    tenantConcurrency: settings.jobTenantConcurrency,
                    webhookTenantConcurrency: settings.webhookTenantConcurrency
                )
            ),
            logger: logger
        )
        let relay = OutboxRelay(
            store: OutboxStore(database: connections.database),
            queue: queue,
            configuration: .init(
                busyPollInterval: .milliseconds(settings.outboxBusyPollMilliseconds),
                retention: .seconds(settings.outboxRetentionHours * 3600),
                tenants: settings.workerTenants
            ),
            logger: logger
        )
        // PostgreSQL first: queries hang until its clients run.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] =
            connections.postgresServices.map { .init(service: $0) } + [.init(service: relay)]
        if settings.schedulerInterval > 0 {
            let schedule = Scheduler.Configuration(
                interval: .seconds(settings.schedulerInterval),
                leaseTTL: .seconds(settings.schedulerLeaseSeconds),
                tenants: settings.workerTenants
            )
            let scheduler = Scheduler(
                lease: Lease(
                    redis: connections.redis,
                    key: schedule.leaseKey(connections.queueKeys),
                    holder: "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))",
                    ttl: .seconds(settings.schedulerLeaseSeconds)
                ),
                queue: queue,
                tenants: TenantStore(database: connections.database),
                configuration: schedule,
                logger: logger
            )
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
                "concurrency": "\(settings.workerConcurrency)", "queue": "\(settings.jobQueue)",
                "tenants": "\(settings.workerTenants.map { $0.map(\.description).joined(separator: ",") } ?? "all")",
                "scheduler_interval": "\(settings.schedulerInterval)", "metrics_port": "\(settings.metricsPort)",
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
