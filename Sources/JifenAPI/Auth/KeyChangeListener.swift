import JifenPostgres
import Logging
import ServiceLifecycle

/// Keeps a ``KeyCache`` live: listens for key and tenant changes (migration 0016) on one pooled
/// connection and drops what they name. While it is not listening — starting, reconnecting after
/// the connection was lost — the cache is off and every request looks its key up.
public struct KeyChangeListener: Service {
    let database: Database
    let cache: KeyCache
    let logger: Logger
    let retry: Duration
    let channel: String

    public init(
        database: Database,
        cache: KeyCache,
        logger: Logger,
        retry: Duration = .seconds(1),
        channel: String = KeyChanges.channel
    ) {
        self.database = database
        self.cache = cache
        self.logger = logger
        self.retry = retry
        self.channel = channel
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await database.listen(channel) { notifications in
                        cache.setLive(true)
                        for try await notification in notifications {
                            cache.invalidate(tenant: KeyChanges.tenant(notification))
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning(
                        "key change listener lost its connection; keys are looked up on every request until it is back",
                        metadata: ["error": "\(String(reflecting: error))"]
                    )
                }
                cache.setLive(false)
                try? await Task.sleep(for: retry)
            }
            cache.setLive(false)
        }
    }
}
