/// When a failed job runs again, and when it is given up on.
///
/// Exponential backoff with "equal jitter": the n-th retry waits between half and all of
/// `base · 2ⁿ` (capped). The random half spreads a burst of failures out; the fixed half keeps
/// the delays growing from one attempt to the next.
public struct RetryPolicy: Sendable, Hashable {
    /// Runs in all, the first included: after this many failures the job is dead.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 8, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(3600)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// `nil` when a job that failed on `attempt` (0-based) is dead.
    public func delay(afterFailedAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration? {
        guard attempt + 1 < maxAttempts else { return nil }
        let exponent = min(attempt, 30)
        var ceiling = baseDelay * (1 << exponent)
        if ceiling > maxDelay { ceiling = maxDelay }
        let half = ceiling / 2
        return half + half * min(max(random, 0), 1)
    }
}
