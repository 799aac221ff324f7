import Foundation
import JifenClient
import JifenTestSupport
import OpenAPIRuntime
import Testing

/// A shop's whole flow through the generated client against real processes: the contract as
/// published, the rate limit as a client meets it, and the metrics an operator scrapes.
@Suite struct LiveContractTests {
    @Test(.timeLimit(.minutes(3)))
    func aShopsFlowThroughTheGeneratedClientMovesTheMetrics() async throws {
        try await LiveStack.run(environment: ["LOG_FORMAT": "json", "LOG_LEVEL": "info"]) { try await run($0) }
    }

    func run(_ stack: LiveStack) async throws {
        try await stack.startAPI()
        let admin = stack.operatorClient()
        let created = try await admin.createTenant(body: .json(.init(name: "Live Tea"))).created.body.json
        let tenantID = created.tenant.id
        #expect(created.tenant.rateLimit.source == ._default)
        let workerMetricsPort = try freePort()
        let worker = try stack.startWorker(tenants: [tenantID], metricsPort: workerMetricsPort)
        let shop = stack.tenantClient(created.apiKey.secret)

        let workerUp = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await stack.get("/health/live", port: workerMetricsPort).status) == 200
        }
        try #require(workerUp, "the worker's probe port never answered: \(worker.log)")
        let apiBefore = MetricsSample(try await stack.get("/metrics").body)
        let workerBefore = MetricsSample(try await stack.get("/metrics", port: workerMetricsPort).body)

        // Member, a paid order, and the points the worker awards for it.
        let member = try await shop.upsertMember(
            path: .init(member: "cust-42"),
            body: .json(.init(email: "mei@example.com", tags: ["vip"]))
        ).created.body.json
        #expect(member.externalId == "cust-42")
        #expect(member.balance.available == 0)
        let order = try await shop.recordOrder(
            body: .json(
                .init(
                    externalId: "order-1001",
                    member: "cust-42",
                    currency: "CNY",
                    amount: 25_990,
                    status: .paid,
                    placedAt: Date()
                )
            )
        ).created.body.json
        #expect(order.amount == 25_990)
        var balance = member.balance
        let scored = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            balance = try await shop.getMember(path: .init(member: "cust-42")).ok.body.json.balance
            return balance.available > 0
        }
        try #require(scored, "the order was never scored: \(worker.log)")
        #expect(balance.available == 259)
        #expect(balance.lifetimeEarned == 259)

        // Spend 100 of them: hold, capture, and the ledger says so.
        let hold = try await shop.createRedemption(
            path: .init(member: "cust-42"),
            body: .json(.init(points: 100, orderReference: "checkout-7"))
        ).created.body.json
        #expect(hold.state == .held)
        let captured = try await shop.captureRedemption(path: .init(redemption: hold.id)).ok.body.json
        #expect(captured.state == .captured)
        let ledger = try await shop.listLedgerEntries(path: .init(member: "cust-42")).ok.body.json
        #expect(ledger.data.map(\.kind) == [.redeem, .hold, .earn])
        #expect(ledger.data.map(\.availableDelta).reduce(0, +) == 159)

        // Errors arrive as the documented problem documents.
        let missing = try await shop.getMember(path: .init(member: "nobody"))
        guard case .notFound(let notFound) = missing else {
            Issue.record("an unknown member was not a 404: \(missing)")
            return
        }
        #expect(try notFound.body.applicationProblemJson._type == "/problems/not-found")

        // The operator narrows the tenant's limit; the client meets a typed 429.
        let limited = try await admin.setTenantRateLimit(
            path: .init(tenant: tenantID),
            body: .json(.init(requestsPerSecond: 1, burst: 2))
        ).ok.body.json
        #expect(limited.rateLimit.source == .tenant)
        var tooMany: Components.Responses.TooManyRequests?
        for _ in 0..<6 {
            if case .tooManyRequests(let refusal) = try await shop.listMembers() {
                tooMany = refusal
                break
            }
        }
        let refusal = try #require(tooMany, "no 429 within 6 requests at 1 a second with bursts of 2")
        #expect((refusal.headers.retryAfter ?? 0) >= 1)
        #expect(refusal.headers.rateLimitRemaining == 0)
        #expect(try refusal.body.applicationProblemJson._type == "/problems/rate-limited")
        _ = try await admin.resetTenantRateLimit(path: .init(tenant: tenantID)).ok

        // The reference page and the metrics, as an operator sees them.
        let docs = try await stack.get("/docs")
        #expect(docs.status == 200 && docs.body.contains("id=\"op-recordOrder\""))
        let apiAfter = MetricsSample(try await stack.get("/metrics").body)
        let workerAfter = MetricsSample(try await stack.get("/metrics", port: workerMetricsPort).body)
        let documented = try documentedFamilies()
        let exposed = apiAfter.families.union(workerAfter.families)
        #expect(documented.subtracting(exposed).isEmpty, "missing from /metrics: \(documented.subtracting(exposed))")
        #expect(
            apiAfter.total("jifen_http_requests_total", [#"route="/v1/orders""#, #"status="201""#])
                > apiBefore.total("jifen_http_requests_total", [#"route="/v1/orders""#, #"status="201""#])
        )
        #expect(apiAfter.total("jifen_rate_limited_total") > apiBefore.total("jifen_rate_limited_total"))
        #expect(apiAfter.total("jifen_http_request_duration_seconds_count") > 0)
        #expect(
            workerAfter.total("jifen_jobs_total", [#"kind="order.score""#, #"outcome="succeeded""#])
                > workerBefore.total("jifen_jobs_total", [#"kind="order.score""#, #"outcome="succeeded""#])
        )
        #expect(
            workerAfter.total("jifen_points_awarded_total") - workerBefore.total("jifen_points_awarded_total") == 259
        )
        #expect(workerAfter.total("jifen_db_pool_size") == 20)

        // The logs, as a container's log agent reads them: JSON lines carrying the request, tenant
        // and job ids, and never a credential.
        let secrets = [created.apiKey.secret, stack.operatorToken]
        let apiLines = try jsonLines(stack.apis.map(\.log).joined(separator: "\n"))
        let workerLines = try jsonLines(worker.log)
        let orderLine = apiLines.first { $0["path"] as? String == "/v1/orders" }
        #expect(orderLine?["request_id"] as? String != nil)
        #expect(orderLine?["tenant_id"] as? String == tenantID)
        #expect(workerLines.contains { $0["job_id"] != nil && $0["tenant_id"] as? String == tenantID })
        for line in apiLines + workerLines {
            let text = "\(line)"
            #expect(!secrets.contains { text.contains($0) }, "a credential was logged: \(text)")
        }
    }

    /// Every line of a process's log must be one JSON object; returns them.
    func jsonLines(_ log: String) throws -> [[String: Any]] {
        try log.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object, "not a JSON object: \(line)")
        }
    }

    /// The families `deploy/metrics.txt` promises operators (and the dashboard uses).
    func documentedFamilies() throws -> Set<String> {
        let text = try String(
            contentsOf: TestServers.shared.repositoryRoot.appendingPathComponent("deploy/metrics.txt"),
            encoding: .utf8
        )
        return Set(
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        )
    }
}
