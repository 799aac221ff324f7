import Foundation
import Hummingbird
import JifenPostgres
import JifenRedis
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// Builds the HTTP API: middleware in order, then the routes generated from the spec.
///
/// ```swift
/// let app = try APIApplication.make(configuration: config, database: database, redis: redis,
///                                   specification: spec, services: [postgresClient], logger: logger)
/// try await app.runService()   // SIGTERM/SIGINT: stop accepting, finish in-flight, exit
/// ```
public enum APIApplication {
    public static func router(
        configuration: APIConfiguration,
        database: Database,
        redis: RedisClient,
        specification: Data,
        drain: DrainState = DrainState(),
        keyCache: KeyCache? = nil,
        mount: Mount? = nil,
        logger: Logger
    ) throws -> Router<JifenRequestContext> {
        let router = Router(context: JifenRequestContext.self)
        router.add(middleware: DrainMiddleware(state: drain))
        // Order matters: ids and error mapping wrap everything; the body is bounded before
        // anyone reads it; the caller is identified (not yet authorised: that needs the
        // matched operation) and its rate limit applied.
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: RequestSpanMiddleware())
        let contract = try SpecificationCache.contract(specification)
        router.add(middleware: BodyLimitMiddleware(contract: contract))
        router.add(
            middleware: AuthMiddleware(
                keys: KeyAuthenticator(tenants: TenantStore(database: database), cache: keyCache),
                failures: FailedAuthLimiter(
                    burst: configuration.authFailureBurst,
                    perMinute: configuration.authFailuresPerMinute
                ),
                operatorToken: configuration.operatorToken,
                trustForwardedFor: configuration.trustForwardedFor
            )
        )
        router.add(
            middleware: RateLimitMiddleware(
                limiter: RateLimiter(redis: redis, prefix: configuration.redisPrefix),
                defaultLimit: configuration.defaultRateLimit,
                logger: logger
            )
        )
        router.add(middleware: MethodNotAllowedMiddleware(contract: contract))
        let handler = try APIHandler(
            database: database,
            redis: redis,
            specification: specification,
            configuration: configuration,
            logger: logger
        )
        // Inside the router, so they run for the operation it matched: errors to problems,
        // then who may call and what the spec allows, then idempotent replays.
        try handler.registerHandlers(
            on: router,
            configuration: OpenAPIRuntime.Configuration(dateTranscoder: RFC3339DateTranscoder()),
            middlewares: [
                ProblemMiddleware(logger: logger),
                ContractMiddleware(contract: contract),
                IdempotencyMiddleware(
                    store: IdempotencyStore(database: database),
                    logger: logger,
                    contract: contract
                ),
            ]
        )
        InboundWebhooks(database: database, logger: logger).register(on: router)
        try mount?(router, handler)
        return router
    }

    /// Adds routes of another front end (the staff console) beside the API's, behind the same
    /// outer middleware (request ids, logs, drain, body limit), given the API's own handler.
    public typealias Mount = @Sendable (Router<JifenRequestContext>, APIHandler) throws -> Void

    public static func make(
        configuration: APIConfiguration,
        database: Database,
        redis: RedisClient,
        specification: Data,
        services: [any Service],
        drain: DrainState = DrainState(),
        drainNotice: Duration = .seconds(2),
        mount: Mount? = nil,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        // Known keys are answered from memory while the listener hears every revocation.
        let keyCache = configuration.keyCacheTTL > .zero ? KeyCache(ttl: configuration.keyCacheTTL) : nil
        let router = try router(
            configuration: configuration,
            database: database,
            redis: redis,
            specification: specification,
            drain: drain,
            keyCache: keyCache,
            mount: mount,
            logger: logger
        )
        let notice = TimeAmount.nanoseconds(
            drainNotice.components.seconds * 1_000_000_000 + drainNotice.components.attoseconds / 1_000_000_000
        )
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [QuiesceDelayHandler(notice: notice)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "jifen"),
            // After the PostgreSQL clients: a service group stops its services in reverse order.
            services: services
                + (keyCache.map { [KeyChangeListener(database: database, cache: $0, logger: logger)] } ?? []),
            logger: logger
        )
    }
}
