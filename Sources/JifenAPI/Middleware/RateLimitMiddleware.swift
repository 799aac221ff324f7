import HTTPTypes
import Hummingbird
import JifenCore
import JifenRedis
import Logging
import Metrics
import NIOConcurrencyHelpers

/// Limits each API key to its tenant's rate (or the server's default) with a token bucket in
/// Redis, and tells the caller where it stands on every `/v1` response (`RateLimit-*`).
///
/// Runs after authentication, so only requests with a valid key spend tokens, and before
/// idempotency, so a refused request stores nothing. If Redis cannot be reached the request
/// goes through: orders keep being accepted in a Redis outage (they wait in the outbox), and
/// a limiter must not be the thing that stops them.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let defaultLimit: RateLimit
    let logger: Logger
    /// When the last "limiter unavailable" warning was logged: once a minute is enough for an
    /// outage that would otherwise log on every request.
    let lastWarning = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    static var refused: Counter { Counter(label: "jifen_rate_limited_total") }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let key = RequestScope.current.key else { return try await next(request, context) }
        let limit = key.rateLimit ?? defaultLimit
        let decision: RateLimiter.Decision
        do {
            decision = try await limiter.take(key: key.keyID.uuidString.lowercased(), limit: limit)
        } catch {
            let now = ContinuousClock.now
            let due = lastWarning.withLockedValue { last in
                guard last.map({ now - $0 >= .seconds(60) }) ?? true else { return false }
                last = now
                return true
            }
            if due {
                context.logger.warning(
                    "rate limiter unavailable; requests are let through (logged once a minute)",
                    metadata: ["error": "\(error)"]
                )
            }
            return try await next(request, context)
        }
        guard decision.allowed else {
            Self.refused.increment()
            var response = JifenError(
                .rateLimited,
                "This API key is limited to \(limit.perSecond) requests a second with bursts of \(limit.burst); "
                    + "retry in \(decision.retryAfterSeconds) s."
            ).response()
            response.headers[.retryAfter] = String(decision.retryAfterSeconds)
            Self.annotate(&response.headers, decision)
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Errors become problem documents here rather than in the outermost middleware, so
            // they carry the headers too.
            response = ErrorMapping.jifenError(for: error, logger: context.logger).response()
        }
        Self.annotate(&response.headers, decision)
        return response
    }

    static func annotate(_ headers: inout HTTPFields, _ decision: RateLimiter.Decision) {
        headers[.rateLimitLimit] = String(decision.limit)
        headers[.rateLimitRemaining] = String(decision.remaining)
        headers[.rateLimitReset] = String(decision.resetSeconds)
    }
}
