import JifenCore
import JifenPostgres
import Metrics

/// The worker's metrics (`METRICS_PORT`). Labels are bounded: job kinds the worker knows,
/// fixed outcome words; never tenant ids, which would make one series per shop.
enum WorkerMetrics {
    enum JobOutcome: String { case succeeded, retried, dead }

    static func job(_ kind: String, _ outcome: JobOutcome, after duration: Duration) {
        Counter(label: "jifen_jobs_total", dimensions: [("kind", kind), ("outcome", outcome.rawValue)]).increment()
        Timer(label: "jifen_job_duration_seconds", dimensions: [("kind", kind)]).record(duration: duration)
    }

    /// `delivered`, `retrying` (another attempt is scheduled), `failed` (no more attempts),
    /// `disabled` (failed and the endpoint was switched off), `refused` (the address is not
    /// one Jifen calls).
    static func webhook(_ outcome: AttemptOutcome, refused: Bool) {
        let label: String
        switch outcome {
        case .delivered: label = "delivered"
        case .retry: label = refused ? "refused" : "retrying"
        case .failed(let disable): label = refused ? "refused" : disable == nil ? "failed" : "disabled"
        }
        Counter(label: "jifen_webhook_deliveries_total", dimensions: [("outcome", label)]).increment()
    }

    static func queue(_ name: String, _ stats: QueueStatsSample) {
        for (state, value) in stats.states {
            Gauge(label: "jifen_queue_jobs", dimensions: [("queue", name), ("state", state)]).record(value)
        }
    }

    /// A lane's ready jobs and how long its oldest has waited (0 when none): what the
    /// "interactive lane behind" alert watches.
    static func lane(_ name: String, _ lane: JobLane, ready: Int64, oldest: Duration) {
        let dimensions = [("queue", name), ("lane", lane.rawValue)]
        Gauge(label: "jifen_queue_lane_ready", dimensions: dimensions).record(ready)
        Gauge(label: "jifen_queue_lane_oldest_seconds", dimensions: dimensions).record(
            Double(oldest.milliseconds) / 1000
        )
    }

    static let outboxLag = Gauge(label: "jifen_outbox_lag_seconds")
    static let outboxBacklog = Gauge(label: "jifen_outbox_backlog")
}

/// A queue's counts by state, as the gauges name them.
struct QueueStatsSample {
    var states: [(String, Int64)]
}
