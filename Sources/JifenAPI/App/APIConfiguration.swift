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
    /// Failed authentications a client address may make at once, and how many a minute after
    /// that, before it gets 429 (`AUTH_FAILURE_BURST`, `AUTH_FAILURES_PER_MINUTE`).
    public var authFailureBurst: Int
    public var authFailuresPerMinute: Int
    /// Count failed authentications by the last `X-Forwarded-For` address (the one the
    /// operator's proxy appended) instead of the peer (`TRUST_FORWARDED_FOR`).
    public var trustForwardedFor: Bool
    /// The longest an authenticated key is answered from memory (``KeyCache``); zero: never.
    public var keyCacheTTL: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        operatorToken: String = "",
        defaultRateLimit: RateLimit = RateLimit(perSecond: 100, burst: 200),
        redisPrefix: String = "jifen",
        metrics: (@Sendable () -> String)? = nil,
        authFailureBurst: Int = 20,
        authFailuresPerMinute: Int = 60,
        trustForwardedFor: Bool = false,
        keyCacheTTL: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
        self.defaultRateLimit = defaultRateLimit
        self.redisPrefix = redisPrefix
        self.metrics = metrics
        self.authFailureBurst = authFailureBurst
        self.authFailuresPerMinute = authFailuresPerMinute
        self.trustForwardedFor = trustForwardedFor
        self.keyCacheTTL = keyCacheTTL
    }
}
