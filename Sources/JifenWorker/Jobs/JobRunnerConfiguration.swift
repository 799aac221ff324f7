import Foundation
import JifenCore

/// How a worker consumes the queue.
public struct JobRunnerConfiguration: Sendable {
    /// Jobs run at once (`WORKER_CONCURRENCY`).
    public var concurrency: Int
    public var retry: RetryPolicy
    /// A job held this long without an acknowledgement is given to another worker
    /// (`JOB_VISIBILITY_TIMEOUT`). Longer than any job should take.
    public var visibilityTimeout: Duration
    /// How often due retries are promoted and stale jobs reclaimed.
    public var maintenanceInterval: Duration
    /// This worker's name in the consumer group; unique per process.
    public var consumer: String

    public init(
        concurrency: Int = 4,
        retry: RetryPolicy = RetryPolicy(),
        visibilityTimeout: Duration = .seconds(60),
        maintenanceInterval: Duration = .milliseconds(500),
        consumer: String = JobRunnerConfiguration.uniqueConsumerName()
    ) {
        self.concurrency = concurrency
        self.retry = retry
        self.visibilityTimeout = visibilityTimeout
        self.maintenanceInterval = maintenanceInterval
        self.consumer = consumer
    }

    /// `host-pid-random`: readable in `XINFO CONSUMERS`, never reused by a restarted process.
    public static func uniqueConsumerName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
