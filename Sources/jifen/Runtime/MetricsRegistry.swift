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
        declare()
    }

    /// Counters that may stay at zero for a long time (nothing expired, no 429 yet) are
    /// created at start, so dashboards and alerts see 0 rather than no series at all.
    static func declare() {
        for name in ["jifen_points_awarded_total", "jifen_points_expired_total", "jifen_rate_limited_total"] {
            Counter(label: name).increment(by: 0)
        }
        for outcome in ["delivered", "retrying", "failed", "disabled", "refused"] {
            Counter(label: "jifen_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
        Meter(label: "jifen_db_connections_in_use").set(0)
    }

    /// The text exposition format, for `GET /metrics`.
    @Sendable static func exposition() -> String {
        registry.emitToString()
    }
}
