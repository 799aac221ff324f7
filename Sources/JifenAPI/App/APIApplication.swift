import Foundation
import Hummingbird
import JifenPostgres
import JifenRedis
import Logging
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
        logger: Logger
    ) throws -> Router<JifenRequestContext> {
        let router = Router(context: JifenRequestContext.self)
        // Order matters: ids and error mapping wrap everything; the body is bounded before
        // anyone reads it; idempotency needs to know the caller.
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: BodyLimitMiddleware())
        router.add(
            middleware: AuthMiddleware(
                tenants: TenantStore(database: database),
                operatorToken: configuration.operatorToken
            )
        )
        router.add(
            middleware: RateLimitMiddleware(
                limiter: RateLimiter(redis: redis, prefix: configuration.redisPrefix),
                defaultLimit: configuration.defaultRateLimit,
                logger: logger
            )
        )
        router.add(middleware: IdempotencyMiddleware(store: IdempotencyStore(database: database)))
        let handler = try APIHandler(
            database: database,
            redis: redis,
            specification: specification,
            configuration: configuration,
            logger: logger
        )
        try handler.registerHandlers(on: router, middlewares: [ProblemMiddleware(logger: logger)])
        InboundWebhooks(database: database, logger: logger).register(on: router)
        return router
    }

    public static func make(
        configuration: APIConfiguration,
        database: Database,
        redis: RedisClient,
        specification: Data,
        services: [any Service],
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let router = try router(
            configuration: configuration,
            database: database,
            redis: redis,
            specification: specification,
            logger: logger
        )
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "jifen"),
            services: services,
            logger: logger
        )
    }
}
