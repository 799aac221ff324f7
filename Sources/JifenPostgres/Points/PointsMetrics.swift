import Metrics

/// Points counters across all tenants (no tenant label: one series per process, whatever the
/// number of shops). Counted when the entry is written, so a transaction that then rolls back
/// (rare: a conflict after an earn) is still counted; the ledger, not this, is the truth.
enum PointsMetrics {
    static let awarded = Counter(label: "jifen_points_awarded_total")
    static let expired = Counter(label: "jifen_points_expired_total")
}
