import ArgumentParser
import JifenWorker
import ServiceLifecycle

struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker. SIGTERM stops claiming jobs, finishes what it holds, exits."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.worker")
        let connections = try Connections(settings: settings, logger: logger)
        let worker = WorkerService(database: connections.database, redis: connections.redis, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // PostgreSQL first: the worker's queries hang until its client runs.
                    .init(service: connections.postgres),
                    .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
