import Metrics
import Prometheus

/// The process's one Prometheus registry. swift-metrics can be bootstrapped once per process,
/// so `serve` and `work` do it at start-up and the libraries only ever use `Counter(label:)`
/// and friends.
enum MetricsRegistry {
    static let registry = PrometheusCollectorRegistry()

    static func bootstrap(databasePoolSize: Int) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request and job durations: 5 ms to 30 s.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        Gauge(label: "jifen_db_pool_size").record(databasePoolSize)
    }

    /// The text exposition format, for `GET /metrics`.
    @Sendable static func exposition() -> String {
        registry.emitToString()
    }
}
