import Hummingbird
import Logging

/// The worker's small HTTP side on `METRICS_PORT`: `GET /metrics` for Prometheus and
/// `GET /health/live` for the orchestrator's liveness probe. Nothing else: a worker takes no
/// requests.
enum WorkerProbes {
    static func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: MetricsRegistry.exposition()))
            )
        }
        router.get("/health/live") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))
            )
        }
        var probeLogger = logger
        probeLogger.logLevel = max(logger.logLevel, .warning)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "jifen-worker"),
            logger: probeLogger
        )
    }
}
