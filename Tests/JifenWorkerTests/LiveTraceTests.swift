import Foundation
import JifenClient
import JifenTestSupport
import Testing

/// One paid order, followed across processes: real `jifen serve` and `jifen work` export their
/// spans by OTLP to a receiver written with the `opentelemetry-proto` package
/// (scripts/otlp-receiver.py), and the request's span and the worker's scoring span are in one
/// trace — carried by the outbox row and the job, not by anything the two processes share.
@Suite struct LiveTraceTests {
    struct Span: Decodable {
        var traceID: String
        var spanID: String
        var parentSpanID: String
        var name: String
        var service: String?
        var attributes: [String: AttributeValue]
        var links: [Link]

        struct Link: Decodable {
            var traceID: String
            enum CodingKeys: String, CodingKey { case traceID = "trace_id" }
        }

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id", spanID = "span_id", parentSpanID = "parent_span_id", name, service, attributes,
                links
        }
    }

    enum AttributeValue: Decodable, Equatable {
        case text(String)
        case number(Int)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let number = try? container.decode(Int.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }
    }

    static func spans(in log: URL) -> [Span] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Span.self, from: Data($0.utf8)) }
    }

    @Test(.timeLimit(.minutes(3)))
    func aPaidOrderIsOneTraceFromTheAPIToTheWorker() async throws {
        let root = TestServers.shared.repositoryRoot
        let receiverPort = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-otlp-\(UUID()).jsonl")
        let receiver = try ChildProcess(
            executable: root.appendingPathComponent(".local/venv/bin/python").path,
            arguments: [
                root.appendingPathComponent("scripts/otlp-receiver.py").path, "--port", "\(receiverPort)", "--log",
                log.path,
            ],
            name: "otlp-receiver"
        )
        defer { receiver.kill() }
        let environment = [
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)",
            // Export every 100 ms rather than every 5 s, so the test does not wait on batching.
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "ALLOW_PRIVATE_WEBHOOKS": "true",
        ]
        try await LiveStack.run(environment: environment) { stack in
            try await stack.startAPI()
            let created = try await stack.operatorClient().createTenant(body: .json(.init(name: "Live Traces")))
                .created.body.json
            try stack.startWorker(tenants: [created.tenant.id])
            let shop = stack.tenantClient(created.apiKey.secret)
            // An endpoint for the order's points event (the receiver answers it 404: an attempt
            // is all the test needs).
            _ = try await shop.createWebhookEndpoint(
                body: .json(.init(url: "http://127.0.0.1:\(receiverPort)/hook", eventTypes: [.points_earned]))
            ).created
            _ = try await shop.upsertMember(path: .init(member: "mei"), body: .json(.init())).created
            _ = try await shop.recordOrder(
                body: .json(
                    .init(
                        externalId: "traced-1",
                        member: "mei",
                        currency: "CNY",
                        amount: 25_900,
                        status: .paid,
                        placedAt: Date()
                    )
                )
            ).created
            let scored = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                let member = try await shop.getMember(path: .init(member: "mei")).ok.body.json
                return member.balance.available == 259
            }
            #expect(scored, "the worker did not score the order")

            // The request's span and the worker's scoring span, in one trace, from two services.
            var found: (request: Span, scoring: Span)?
            let joined = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                let spans = Self.spans(in: log)
                guard
                    let request = spans.first(where: {
                        $0.service == "jifen-api" && $0.name == "POST /v1/orders"
                    }),
                    let scoring = spans.first(where: {
                        $0.service == "jifen-worker" && $0.name == "order.score" && $0.traceID == request.traceID
                    })
                else { return false }
                found = (request, scoring)
                return true
            }
            #expect(
                joined,
                "no trace spans API → worker: \(Self.spans(in: log).map { "\($0.service ?? "-") \($0.name) \($0.traceID)" })"
            )
            guard let (request, scoring) = found else { return }
            #expect(request.attributes["http.route"] == .text("/v1/orders"))
            #expect(request.attributes["http.response.status_code"] == .number(201))
            #expect(request.attributes["jifen.tenant_id"] == .text(created.tenant.id))
            #expect(scoring.attributes["jifen.tenant_id"] == .text(created.tenant.id))
            // Below both: their database transactions, as child spans in the same trace.
            let spans = Self.spans(in: log)
            #expect(spans.contains { $0.name == "db.transaction" && $0.parentSpanID == request.spanID })
            #expect(spans.contains { $0.name == "db.transaction" && $0.parentSpanID == scoring.spanID })
            #expect(spans.filter { $0.traceID == request.traceID }.count >= 4)
            // The webhook attempt for the points it earned: a trace of its own, linked to the order's.
            let attempted = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                Self.spans(in: log).contains { span in
                    span.name == "webhook.attempt" && span.traceID != request.traceID
                        && span.links.contains { $0.traceID == request.traceID }
                }
            }
            #expect(attempted, "no webhook attempt linked to the order's trace")
        }
    }
}
