import Configuration
import JifenCore

/// The HTTP API of `jifen serve`.
struct APISettings: Sendable {
    var port: Int
    var operatorToken: String
    var specificationPath: String
    /// The rate limit of API keys whose tenant has none of its own.
    var defaultRateLimit: RateLimit
    /// Failed authentications per client address before 429: at once, then per minute.
    var authFailureBurst: Int
    var authFailuresPerMinute: Int
    /// Count failed authentications by the last `X-Forwarded-For` entry (behind a trusted proxy).
    var trustForwardedFor: Bool
    /// How long the API keeps an authenticated key in memory at most (`API_KEY_CACHE_SECONDS`;
    /// 0: never). Revocations reach it at once through PostgreSQL notifications; this is the bound.
    var keyCacheSeconds: Int

    static func fromEnvironment(_ config: ConfigReader) throws -> APISettings {
        APISettings(
            port: try config.integer("port", "PORT", default: 8080, range: 1...65535),
            operatorToken: config.string(forKey: "operator.token", isSecret: true, default: ""),
            specificationPath: config.string(forKey: "openapi.spec", default: "openapi/openapi.yaml"),
            defaultRateLimit: RateLimit(
                perSecond: try config.integer(
                    "rate.limit.per.second",
                    "RATE_LIMIT_PER_SECOND",
                    default: 100,
                    range: RateLimit.perSecondRange
                ),
                burst: try config.integer(
                    "rate.limit.burst",
                    "RATE_LIMIT_BURST",
                    default: 200,
                    range: RateLimit.burstRange
                )
            ),
            authFailureBurst: try config.integer(
                "auth.failure.burst",
                "AUTH_FAILURE_BURST",
                default: 20,
                range: 1...1_000_000
            ),
            authFailuresPerMinute: try config.integer(
                "auth.failures.per.minute",
                "AUTH_FAILURES_PER_MINUTE",
                default: 60,
                range: 1...1_000_000
            ),
            trustForwardedFor: config.flag("trust.forwarded.for"),
            keyCacheSeconds: try config.integer(
                "api.key.cache.seconds",
                "API_KEY_CACHE_SECONDS",
                default: 60,
                range: 0...3600
            )
        )
    }
}
