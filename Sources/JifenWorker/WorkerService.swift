import JifenPostgres
import JifenRedis
import Logging
import ServiceLifecycle

/// The `jifen work` process. Today it holds its connections and reports their health; the job
/// consumers, outbox relay and scheduler run here as they land (DESIGN §4).
///
/// It stops on graceful shutdown (SIGTERM), so a later consumer only has to finish or return
/// its in-flight job inside this loop.
public struct WorkerService: Service {
    let database: Database
    let redis: RedisClient
    let heartbeat: Duration
    let logger: Logger

    public init(database: Database, redis: RedisClient, heartbeat: Duration = .seconds(15), logger: Logger) {
        self.database = database
        self.redis = redis
        self.heartbeat = heartbeat
        self.logger = logger
    }

    public func run() async throws {
        logger.info("worker started")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await checkDependencies()
                try? await Task.sleep(for: heartbeat)
            }
        }
        redis.shutdown()
        logger.info("worker drained and stopped")
    }

    /// Logs when a dependency is unreachable, so an operator sees why no work happens.
    func checkDependencies() async {
        do { try await database.ping() } catch {
            logger.warning("PostgreSQL unreachable", metadata: ["error": "\(error)"])
        }
        do { try await redis.ping() } catch {
            logger.warning("Redis unreachable", metadata: ["error": "\(error)"])
        }
    }
}
