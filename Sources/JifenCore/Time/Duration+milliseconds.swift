extension Duration {
    /// Whole milliseconds, for logs and Redis arguments.
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Seconds as a `Double`, for `Date` arithmetic.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Pause before the next try after `failures` consecutive failures to reach a dependency:
    /// 200 ms doubling to at most 2 s, so a long outage costs few attempts and a short one
    /// recovers fast.
    public static func reconnectDelay(afterFailures failures: Int) -> Duration {
        .milliseconds(min(100 * (1 << min(max(failures, 1), 5)), 2000))
    }
}
