import ArgumentParser
import Foundation
import Hummingbird
import JifenAPI

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API. SIGTERM stops accepting, finishes in-flight requests, exits."
    )

    func run() async throws {
        let (settings, logger) = try startUp("jifen.api")
        let connections = try Connections(settings: settings, logger: logger)
        let specification: Data
        do {
            specification = try Data(contentsOf: URL(fileURLWithPath: settings.specificationPath))
        } catch {
            throw ValidationError("cannot read the OpenAPI spec at '\(settings.specificationPath)': set OPENAPI_SPEC")
        }
        if settings.operatorToken.isEmpty {
            logger.warning("OPERATOR_TOKEN is empty: the /admin endpoints are disabled")
        }
        let app = try APIApplication.make(
            configuration: APIConfiguration(
                host: settings.host,
                port: settings.port,
                operatorToken: settings.operatorToken
            ),
            database: connections.database,
            redis: connections.redis,
            specification: specification,
            services: [connections.postgres],
            logger: logger
        )
        try await app.runService()
    }
}
