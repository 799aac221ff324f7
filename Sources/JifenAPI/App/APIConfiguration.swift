import JifenCore

/// What `jifen serve` needs besides its connections.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token of the `/admin` endpoints; empty disables them.
    public var operatorToken: String
    /// The limit of API keys whose tenant has none of its own.
    public var defaultRateLimit: RateLimit
    /// Namespaces the rate-limit buckets in Redis (the job queue's name).
    public var redisPrefix: String
    /// Renders this process's metrics for `GET /metrics` (the Prometheus registry
    /// `jifen serve` bootstraps); `nil` answers an empty exposition.
    public var metrics: (@Sendable () -> String)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        operatorToken: String = "",
        defaultRateLimit: RateLimit = RateLimit(perSecond: 100, burst: 200),
        redisPrefix: String = "jifen",
        metrics: (@Sendable () -> String)? = nil
    ) {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
        self.defaultRateLimit = defaultRateLimit
        self.redisPrefix = redisPrefix
        self.metrics = metrics
    }
}
