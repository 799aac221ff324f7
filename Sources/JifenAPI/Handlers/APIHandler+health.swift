import OpenAPIRuntime

extension APIHandler {
    public func getLiveness(_ input: Operations.GetLiveness.Input) async throws -> Operations.GetLiveness.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    /// Checks both dependencies concurrently so a hung one costs one timeout, not two. Only
    /// PostgreSQL decides readiness: without Redis the API still accepts everything (jobs wait
    /// in the outbox), so a load balancer should keep sending to it.
    public func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        async let postgres = check("postgres") { try await database.ping() }
        async let redis = check("redis") { try await self.redis.ping() }
        let checks = Components.Schemas.Readiness.ChecksPayload(postgres: await postgres, redis: await redis)
        guard checks.postgres == .ok else {
            return .serviceUnavailable(.init(body: .json(.init(status: .unavailable, checks: checks))))
        }
        return .ok(.init(body: .json(.init(status: checks.redis == .ok ? .ok : .degraded, checks: checks))))
    }

    public func getOpenAPISpec(_ input: Operations.GetOpenAPISpec.Input) async throws
        -> Operations.GetOpenAPISpec.Output
    {
        .ok(.init(body: .yaml(HTTPBody(specification))))
    }

    public func getReferenceDocs(_ input: Operations.GetReferenceDocs.Input) async throws
        -> Operations.GetReferenceDocs.Output
    {
        .ok(.init(body: .html(HTTPBody(referenceHTML))))
    }

    public func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(configuration.metrics?() ?? ""))))
    }

    private func check(_ name: String, _ probe: () async throws -> Void) async -> Components.Schemas.CheckStatus {
        do {
            try await probe()
            return .ok
        } catch {
            logger.warning("readiness check failed", metadata: ["dependency": "\(name)", "error": "\(error)"])
            return .unavailable
        }
    }
}
