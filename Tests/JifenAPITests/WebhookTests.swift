import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWebhooks
import JifenWorker
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A receiver process (Python, verifying with the `standardwebhooks` package, not our code).
final class Receiver: Sendable {
    let process: ChildProcess
    let port: Int
    let log: URL

    init(secret: String, fail: Int = 0, status: Int = 200) async throws {
        let servers = try await TestServers.shared.ready()
        let python = servers.repositoryRoot.appendingPathComponent(".local/venv/bin/python").path
        let script = servers.repositoryRoot.appendingPathComponent("scripts/webhook-receiver.py").path
        log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "receiver-\(UUID().uuidString.prefix(8)).jsonl"
        )
        var started: (ChildProcess, Int)?
        for _ in 0..<5 where started == nil {
            let port = Int.random(in: 30_000...39_999)
            let process = try ChildProcess(
                executable: python,
                arguments: [
                    script, "--port", "\(port)", "--secret", secret, "--log", log.path, "--fail", "\(fail)",
                    "--status", "\(status)",
                ],
                name: "receiver"
            )
            if try await eventually(timeout: .seconds(10), { process.log.contains("listening") || !process.isRunning }),
                process.isRunning
            {
                started = (process, port)
            }
        }
        guard let (process, port) = started else {
            throw ProcessHarnessError(description: "the receiver did not start")
        }
        self.process = process
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    struct Entry: Decodable {
        var id: String?
        var valid: Bool
        var type: String?
        var status: Int
    }

    func entries() throws -> [Entry] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
    }

    deinit { process.kill() }
}

@Suite(.serialized) struct OutboundWebhookTests {
    /// A dispatcher for `tenant`'s deliveries, its clock at `now`.
    func dispatch(
        _ tenant: TenantID,
        delivery: UUID,
        now: Date,
        allowPrivate: Bool = true,
        resolver: any HostResolver = SystemResolver(),
        deadline: Duration = .seconds(DeliverySchedule.timeout)
    ) async throws {
        let servers = try await TestServers.shared.ready()
        let dispatcher = WebhookDispatcher(
            database: servers.database,
            addresses: AddressPolicy(allowPrivate: allowPrivate, resolver: resolver),
            deadline: deadline,
            logger: servers.logger,
            clock: { now }
        )
        let payload = #"{"delivery_id":"\#(delivery.uuidString.lowercased())"}"#
        try await dispatcher.handle(Job(id: "test", kind: .dispatchWebhook, tenant: tenant, payload: payload))
    }

    /// A fresh tenant with one endpoint at `url` and a `webhook.test` delivery pending for it.
    func pendingDelivery(to url: String) async throws -> (tenant: TenantID, delivery: UUID) {
        let shop = try await makeTenant()
        let delivery = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            let endpoint = try await connection.createEndpoint(
                url: url,
                eventTypes: [],
                description: nil,
                secret: WebhookSecret.generate().text
            )
            return try #require(try await connection.sendTest(endpoint: endpoint.id))
        }
        return (shop.tenant, delivery.id)
    }

    func deliveries(_ tenant: TenantID) async throws -> [WebhookDelivery] {
        try await TestServers.shared.database.withTenant(tenant) {
            try await $0.deliveries(filter: DeliveryFilter(), limit: try PageLimit(50), after: nil).items
        }
    }

    @Test func aFailingReceiverGetsFourAttemptsWithOneIdAndAReplayWithTheSame() async throws {
        let shop = try await makeTenant()
        let secret = try await withAPI { api async throws -> String in
            let created = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: #"{"url":"http://127.0.0.1:1/hook","event_types":["points.adjusted"]}"#
            )
            #expect(created.status == .created, "\(created.text)")
            return try #require((try created.json()["secret"] as? String))
        }
        let receiver = try await Receiver(secret: secret, fail: 3)
        try await withAPI { api async throws in
            let id = try #require(
                (try await api.send(.get, "/v1/webhook-endpoints", key: shop.key).json()["data"] as? [[String: Any]])?
                    .first?["id"] as? String
            )
            let patched = try await api.send(
                .patch,
                "/v1/webhook-endpoints/\(id)",
                key: shop.key,
                json: #"{"url":"\#(receiver.url)"}"#
            )
            #expect(patched.status == .ok, "\(patched.text)")
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            try await api.send(
                .post,
                "/v1/members/m/adjustments",
                key: shop.key,
                json: #"{"points":10,"reason_code":"goodwill"}"#
            )
        }
        // Recording the event queued its fan-out job (the trigger on domain_events).
        let queued = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            try await connection.connection.query(
                "SELECT count(*) FROM outbox WHERE kind = \(JobKind.fanOutEvents.name)",
                logger: TestServers.shared.logger
            ).decode(Int.self).first(where: { _ in true })
        }
        #expect(queued == 1)
        try await runJob(.fanOutEvents, tenant: shop.tenant, now: Date())
        let delivery = try #require(try await deliveries(shop.tenant).first)
        // The body is the event: its type, and its data with the member and its sequence.
        let body = try #require(try JSONSerialization.jsonObject(with: Data(delivery.payload.utf8)) as? [String: Any])
        #expect(body["type"] as? String == "points.adjusted")
        #expect((body["data"] as? [String: Any])?["member"] as? String == "m")
        #expect((body["data"] as? [String: Any])?["sequence"] as? Int == 1)
        #expect(delivery.eventType == "points.adjusted")
        var now = Date()
        for _ in 0..<4 {
            try await dispatch(shop.tenant, delivery: delivery.id, now: now)
            now = now.addingTimeInterval(6 * 3600)  // past any retry delay of the first attempts
        }
        // Nothing is sent once it is delivered.
        try await dispatch(shop.tenant, delivery: delivery.id, now: now)
        var entries = try receiver.entries()
        #expect(entries.count == 4)
        #expect(entries.allSatisfy { $0.valid && $0.id == delivery.messageID && $0.type == "points.adjusted" })
        #expect(entries.map(\.status) == [500, 500, 500, 200])
        let logged = try #require(try await deliveries(shop.tenant).first)
        #expect(logged.state == "succeeded")
        #expect(logged.attempts.map(\.statusCode) == [500, 500, 500, 200])

        try await withAPI { api async throws in
            let replay = try await api.send(.post, "/v1/webhook-deliveries/\(delivery.messageID)/replay", key: shop.key)
            #expect(replay.status == .accepted, "\(replay.text)")
            let listed = try await api.send(.get, "/v1/webhook-deliveries?status=pending", key: shop.key).json()
            #expect((listed["data"] as? [[String: Any]])?.count == 1)
        }
        try await dispatch(shop.tenant, delivery: delivery.id, now: now)
        entries = try receiver.entries()
        #expect(entries.count == 5)
        #expect(entries.last?.id == delivery.messageID && entries.last?.valid == true)
    }

    @Test func goneDisablesTheEndpointAndPrivateAddressesAreRefused() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        let (endpoint, secret) = try await withAPI { api async throws -> (String, String) in
            let created = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: #"{"url":"http://127.0.0.1:1/x"}"#
            )
            let body = try created.json()
            let endpoint = try #require((body["endpoint"] as? [String: Any])?["id"] as? String)
            // Another tenant sees none of it.
            #expect(try await api.send(.get, "/v1/webhook-endpoints/\(endpoint)", key: other.key).status == .notFound)
            return (endpoint, try #require(body["secret"] as? String))
        }
        let receiver = try await Receiver(secret: secret, status: 410)
        try await withAPI { api async throws in
            try await api.send(
                .patch,
                "/v1/webhook-endpoints/\(endpoint)",
                key: shop.key,
                json: #"{"url":"\#(receiver.url)"}"#
            )
            #expect(
                try await api.send(.post, "/v1/webhook-endpoints/\(endpoint)/test", key: shop.key).status == .accepted
            )
        }
        let test = try #require(try await deliveries(shop.tenant).first)
        // Without ALLOW_PRIVATE_WEBHOOKS a loopback target is refused, not called.
        try await dispatch(shop.tenant, delivery: test.id, now: Date(), allowPrivate: false)
        #expect(try receiver.entries().isEmpty)
        #expect(try await deliveries(shop.tenant).first?.attempts.first?.error?.contains("internal address") == true)

        try await withAPI { api async throws in
            #expect(
                try await api.send(.post, "/v1/webhook-endpoints/\(endpoint)/test", key: shop.key).status == .accepted
            )
        }
        let second = try #require(try await deliveries(shop.tenant).first)
        try await dispatch(shop.tenant, delivery: second.id, now: Date())
        #expect(try receiver.entries().map(\.status) == [410])
        try await withAPI { api async throws in
            let body = try await api.send(.get, "/v1/webhook-endpoints/\(endpoint)", key: shop.key).json()
            #expect(body["enabled"] as? Bool == false)
            #expect((body["disabled_reason"] as? String)?.contains("410") == true)
            let rotated = try await api.send(.post, "/v1/webhook-endpoints/\(endpoint)/rotate-secret", key: shop.key)
            #expect((try rotated.json()["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(
                try await api.send(.post, "/v1/webhook-endpoints/\(endpoint)/test", key: shop.key).status == .accepted
            )
            #expect(
                try await api.send(.delete, "/v1/webhook-endpoints/\(endpoint)", key: shop.key).status == .noContent
            )
            #expect(try await api.send(.get, "/v1/webhook-endpoints/\(endpoint)", key: shop.key).status == .notFound)
        }
        // A message still pending for a deleted endpoint fails instead of waiting forever.
        let orphan = try #require(try await deliveries(shop.tenant).first)
        try await dispatch(shop.tenant, delivery: orphan.id, now: Date())
        #expect(try await deliveries(shop.tenant).first?.state == "failed")
        #expect(try receiver.entries().count == 1)
    }

    @Test func aTricklingReceiverIsCutAtTheDeadlineAndTheAttemptIsRecordedAsTimedOut() async throws {
        // The head at once (a 200, even), then a byte of body every 100 ms: never done.
        let receiver = try await RawReceiver(
            answer: .trickle(head: "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n", every: .milliseconds(100))
        )
        let (tenant, delivery) = try await pendingDelivery(to: receiver.url)
        let started = ContinuousClock.now
        try await dispatch(tenant, delivery: delivery, now: Date(), deadline: .milliseconds(1_500))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(1_400), "cut before the deadline: \(elapsed)")
        #expect(elapsed < .seconds(5), "the deadline did not hold: \(elapsed)")
        #expect(receiver.snapshot.requests.count == 1)
        let logged = try #require(try await deliveries(tenant).first)
        #expect(logged.state == "pending")  // retried later, on the schedule
        #expect(logged.nextAttemptAt != nil)
        let attempt = try #require(logged.attempts.first)
        #expect(logged.attempts.count == 1)
        #expect(attempt.statusCode == nil)
        #expect(attempt.error?.contains("timed out") == true, "\(attempt.error ?? "-")")
        #expect(attempt.error?.contains("reading the body (status 200)") == true, "\(attempt.error ?? "-")")
        // Not asserted: that the receiver sees the socket closed soon after. It does on its own,
        // but beside the whole suite it was once still open 30 s later (the attempt's client
        // shuts down after the cut; why it lingered is not known yet).
        await receiver.close()
    }

    @Test func aBodyWithNULAndInvalidUTF8IsRecordedAndTheDeliveryCompletesOnce() async throws {
        // A NUL, bytes that are not UTF-8, and far more than the log keeps.
        let body: [UInt8] =
            Array("ok".utf8) + [0, 0xff, 0xfe, 0xc3] + Array(repeating: UInt8(ascii: "x"), count: 200_000)
        let receiver = try await RawReceiver(
            answer: .bytes(Array("HTTP/1.1 200 OK\r\ncontent-length: \(body.count)\r\n\r\n".utf8) + body)
        )
        let (tenant, delivery) = try await pendingDelivery(to: receiver.url)
        try await dispatch(tenant, delivery: delivery, now: Date())
        var logged = try #require(try await deliveries(tenant).first)
        #expect(logged.state == "succeeded")
        #expect(logged.attempts.count == 1)
        let response = try #require(logged.attempts.first?.response)
        #expect(response.hasPrefix("ok\u{FFFD}"))
        #expect(!response.unicodeScalars.contains("\0"))
        #expect(response.count == ResponseSnippet.maxCharacters)
        // Delivered means done: the same job again sends nothing.
        try await dispatch(tenant, delivery: delivery, now: Date().addingTimeInterval(3_600))
        logged = try #require(try await deliveries(tenant).first)
        #expect(logged.attempts.count == 1)
        #expect(receiver.snapshot.requests.count == 1)
        await receiver.close()
    }

    @Test func theDispatcherResolvesOnceAndConnectsToTheAddressItChecked() async throws {
        let receiver = try await RawReceiver(answer: .bytes(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)))
        // `.test` never resolves for real: a request that arrives went to the address the
        // resolver gave the check. A second lookup would answer somewhere else.
        let url = "http://rebind.test:\(receiver.port)/hook"
        let pinned = ScriptedResolver([["127.0.0.1"], ["198.51.100.7"]])
        let (tenant, delivery) = try await pendingDelivery(to: url)
        try await dispatch(tenant, delivery: delivery, now: Date(), resolver: pinned, deadline: .seconds(5))
        #expect(pinned.calls == ["rebind.test"])
        #expect(receiver.snapshot.requests.count == 1)
        // The name, not the address, goes in Host.
        #expect(
            receiver.snapshot.requests.first?.lowercased().contains("host: rebind.test:\(receiver.port)") == true,
            "\(receiver.snapshot.requests)"
        )
        #expect(try await deliveries(tenant).first?.state == "succeeded")
        await receiver.close()
    }

    @Test func aNameThatRebindsToAPrivateAddressAfterTheCheckIsNeverCalledThere() async throws {
        let receiver = try await RawReceiver(answer: .bytes(Array("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".utf8)))
        // Public for the check; the system resolver, which anyone who looked the name up again
        // would ask, says loopback, where the receiver listens.
        let url = "http://localhost:\(receiver.port)/hook"
        let rebinding = ScriptedResolver([["198.51.100.7"], ["127.0.0.1"]])
        let (tenant, delivery) = try await pendingDelivery(to: url)
        try await dispatch(
            tenant,
            delivery: delivery,
            now: Date(),
            allowPrivate: false,
            resolver: rebinding,
            deadline: .milliseconds(1_500)
        )
        #expect(rebinding.calls == ["localhost"])
        #expect(receiver.snapshot.connections == 0)
        let attempt = try #require(try await deliveries(tenant).first?.attempts.first)
        // It tried the address that was checked, where (TEST-NET-2) nothing answers.
        #expect(attempt.error?.contains("198.51.100.7") == true, "\(attempt.error ?? "-")")
        #expect(attempt.statusCode == nil)

        // Private from the first answer: refused, nothing sent, one lookup.
        let privateAnswer = ScriptedResolver([["127.0.0.1"]])
        let (other, refused) = try await pendingDelivery(to: url)
        try await dispatch(other, delivery: refused, now: Date(), allowPrivate: false, resolver: privateAnswer)
        #expect(privateAnswer.calls.count == 1)
        #expect(receiver.snapshot.connections == 0)
        let logged = try #require(try await deliveries(other).first)
        #expect(logged.state == "failed")
        #expect(logged.attempts.first?.error?.contains("internal address (127.0.0.1)") == true)
        await receiver.close()
    }

    @Test func anIPv6LoopbackTargetIsRefusedWithTheCheckAndDeliveredWithout() async throws {
        let receiver = try await RawReceiver(
            host: "::1",
            answer: .bytes(Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".utf8))
        )
        #expect(receiver.url.hasPrefix("http://[::1]:"))
        let (refusedTenant, refused) = try await pendingDelivery(to: receiver.url)
        try await dispatch(refusedTenant, delivery: refused, now: Date(), allowPrivate: false)
        let refusedLog = try #require(try await deliveries(refusedTenant).first)
        #expect(refusedLog.state == "failed")
        #expect(refusedLog.attempts.first?.error?.contains("internal address (::1)") == true)
        #expect(receiver.snapshot.connections == 0)

        // A public IPv6 literal passes the check as it is: no lookup, the address it names.
        let literal = ScriptedResolver([])
        guard
            case .allowed(let target) = await AddressPolicy(allowPrivate: false, resolver: literal).check(
                "https://[2606:4700::1111]/hook"
            )
        else {
            Issue.record("a public IPv6 literal was not allowed")
            return
        }
        #expect(target.addressDescription == "[2606:4700::1111]:443")
        #expect(!target.isName && literal.calls.isEmpty)

        let (tenant, delivery) = try await pendingDelivery(to: receiver.url)
        try await dispatch(tenant, delivery: delivery, now: Date(), allowPrivate: true)
        let logged = try #require(try await deliveries(tenant).first)
        #expect(logged.state == "succeeded", "\(logged.attempts)")
        #expect(logged.attempts.first?.response == "ok")
        #expect(receiver.snapshot.requests.count == 1)
        await receiver.close()
    }

    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "255.255.255.255", "::1", "::", "::ffff:127.0.0.1", "::ffff:7f00:1", "::127.0.0.1",
        "fd00::1", "fe80::1", "fec0::1", "ff02::1", "64:ff9b::a00:1", "2002:7f00:1::", "2001:0:4136:e378::1",
    ])
    func internalAddressesAreInternalHoweverSpelled(ip: String) throws {
        #expect(AddressPolicy.isInternal(try SocketAddress(ipAddress: ip, port: 80)))
    }

    @Test(arguments: ["93.184.216.34", "198.51.100.7", "172.32.0.1", "2606:4700::1111", "2002:5db8:d822::"])
    func publicAddressesAreNot(ip: String) throws {
        #expect(!AddressPolicy.isInternal(try SocketAddress(ipAddress: ip, port: 80)))
    }
}

/// A resolver whose answers the test writes: the first call gets the first list, and so on
/// (the last repeats). It records the names it was asked for.
final class ScriptedResolver: HostResolver {
    private let answers: [[String]]
    private let asked = NIOLockedValueBox<[String]>([])

    init(_ answers: [[String]]) { self.answers = answers }

    var calls: [String] { asked.withLockedValue { $0 } }

    func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        let call = asked.withLockedValue { calls in
            calls.append(host)
            return calls.count - 1
        }
        guard !answers.isEmpty else { return [] }
        return try answers[min(call, answers.count - 1)].map { try SocketAddress(ipAddress: $0, port: port) }
    }
}

@Suite struct InboundWebhookTests {
    static let order = #"""
        {"id": 450789469, "email": "bob.norman@mail.example.com", "created_at": "2026-11-29T11:00:00-05:00",
         "processed_at": "2026-11-29T11:00:05-05:00", "currency": "CNY", "total_price": "259.00",
         "financial_status": "paid", "customer": {"id": 207119551, "email": "bob.norman@mail.example.com"},
         "line_items": [{"id": 466157049, "sku": "TEA-01", "title": "Tea", "quantity": 2, "price": "120.00"}],
         "shipping_lines": [{"title": "Standard", "price": "19.00"}]}
        """#
    static let refund = #"""
        {"id": 509562969, "order_id": 450789469, "created_at": "2026-11-30T11:00:00-05:00",
         "refund_line_items": [{"quantity": 1, "line_item": {"sku": "TEA-01"}}],
         "transactions": [{"amount": "120.00", "kind": "refund", "status": "success"}]}
        """#

    func post(_ api: APIClient, tenant: TenantID, topic: String, id: String, body: String, secret: String) async throws
        -> TestResponse
    {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Shopify-Hmac-Sha256")!] = ShopifySignature.sign(body: Data(body.utf8), secret: secret)
        headers[HTTPField.Name("X-Shopify-Topic")!] = topic
        headers[HTTPField.Name("X-Shopify-Webhook-Id")!] = id
        return try await api.send(.post, "/hooks/shopify/\(tenant)", json: body, headers: headers)
    }

    @Test func shopifyOrdersArePaidOnceAndRefundsClawBack() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            #expect(
                try await api.send(
                    .put,
                    "/v1/integrations/shopify",
                    key: shop.key,
                    json: #"{"secret":"shpss_hush_1234"}"#
                ).status == .noContent
            )
            let first = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "w-1",
                body: Self.order,
                secret: "shpss_hush_1234"
            )
            #expect(first.status == .ok, "\(first.text)")
            #expect(try first.json()["status"] as? String == "recorded")
            let again = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "w-1",
                body: Self.order,
                secret: "shpss_hush_1234"
            )
            #expect(try again.json()["status"] as? String == "duplicate")
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 1)
            // Paid 259.00, shipping 19.00 of it earns too under the default program: 259.
            #expect(try await settle(shop.tenant, order: "450789469")?.award?.points == 259)
            #expect(try await api.balance("207119551", key: shop.key)["available"] as? Int == 259)

            let refund = try await post(
                api,
                tenant: shop.tenant,
                topic: "refunds/create",
                id: "w-2",
                body: Self.refund,
                secret: "shpss_hush_1234"
            )
            #expect(refund.status == .ok, "\(refund.text)")
            // The clawback is the worker's. One tea by line weight: 259 × 120.00 / 259.00 = 120.
            let settled = try await settle(shop.tenant, order: "450789469")
            #expect(settled?.clawedBack == 120)
            #expect(try await api.balance("207119551", key: shop.key)["available"] as? Int == 139)
        }
        try await expectAuditClean(shop.tenant)
    }

    /// Shopify's signature covers the body only: a captured body and signature sent again under
    /// a new webhook id, or with another topic (a paid order replayed as a cancellation), is a
    /// duplicate and changes nothing.
    @Test func aReplayedShopifyBodyUnderANewIdOrTopicIsADuplicate() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/integrations/shopify", key: shop.key, json: #"{"secret":"shpss_hush_1234"}"#)
            let first = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "r-1",
                body: Self.order,
                secret: "shpss_hush_1234"
            )
            #expect(try first.json()["status"] as? String == "recorded", "\(first.text)")
            for (topic, id) in [("orders/paid", "r-2"), ("orders/cancelled", "r-3")] {
                let replay = try await post(
                    api,
                    tenant: shop.tenant,
                    topic: topic,
                    id: id,
                    body: Self.order,
                    secret: "shpss_hush_1234"
                )
                #expect(replay.status == .ok, "\(replay.text)")
                #expect(try replay.json()["status"] as? String == "duplicate", "\(topic) \(id): \(replay.text)")
            }
            let order = try await api.send(.get, "/v1/orders/450789469", key: shop.key)
            #expect(try order.json()["status"] as? String == "paid", "\(order.text)")
            // A new body (Shopify's own cancellation carries cancelled_at) is still taken.
            let cancelled = Self.order.replacingOccurrences(
                of: #""financial_status": "paid""#,
                with: #""financial_status": "paid", "cancelled_at": "2026-11-30T12:00:00-05:00""#
            )
            let cancel = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/cancelled",
                id: "r-4",
                body: cancelled,
                secret: "shpss_hush_1234"
            )
            #expect(try cancel.json()["status"] as? String == "recorded", "\(cancel.text)")
        }
    }

    @Test func guestOrdersAndCancellationsOfRefundedOrdersAreAcknowledgedNotRetried() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/integrations/shopify", key: shop.key, json: #"{"secret":"shpss_hush_1234"}"#)
            let guest = Self.order.replacingOccurrences(of: #""email": "bob.norman@mail.example.com", "#, with: "")
                .replacingOccurrences(
                    of: #""customer": {"id": 207119551, "email": "bob.norman@mail.example.com"},"#,
                    with: ""
                )
            let ignored = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "g-1",
                body: guest,
                secret: "shpss_hush_1234"
            )
            #expect(try ignored.json()["status"] as? String == "ignored", "\(ignored.text)")
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 0)

            try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "w-1",
                body: Self.order,
                secret: "shpss_hush_1234"
            )
            try await settle(shop.tenant, order: "450789469")
            let full = Self.refund.replacingOccurrences(of: #""amount": "120.00""#, with: #""amount": "259.00""#)
            try await post(
                api,
                tenant: shop.tenant,
                topic: "refunds/create",
                id: "w-2",
                body: full,
                secret: "shpss_hush_1234"
            )
            // Shopify's cancellation carries `cancelled_at`: a body of its own (the same body
            // again would be a replay, refused as a duplicate).
            let cancelled = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/cancelled",
                id: "w-3",
                body: Self.order.replacingOccurrences(
                    of: #""financial_status": "paid""#,
                    with: #""financial_status": "refunded", "cancelled_at": "2026-11-30T12:00:00-05:00""#
                ),
                secret: "shpss_hush_1234"
            )
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try cancelled.json()["status"] as? String == "ignored")
            try await settle(shop.tenant, order: "450789469")
            #expect(try await api.balance("207119551", key: shop.key)["available"] as? Int == 0)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aBadSignatureIs401AndRecordsNothing() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/integrations/shopify", key: shop.key, json: #"{"secret":"shpss_right_123"}"#)
            let forged = try await post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "w-1",
                body: Self.order,
                secret: "shpss_wrong_123"
            )
            #expect(forged.status == .unauthorized)
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 0)
            #expect(try await TestServers.shared.count("inbound_webhooks", tenant: shop.tenant) == 0)
            // A tenant that never set a secret accepts nothing.
            let other = try await makeTenant()
            #expect(
                try await post(api, tenant: other.tenant, topic: "orders/paid", id: "w-1", body: Self.order, secret: "")
                    .status == .unauthorized
            )
        }
    }

    @Test func standardWebhooksOutsideTheToleranceAreRefused() async throws {
        let shop = try await makeTenant()
        let secret = WebhookSecret.generate()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/integrations/standard", key: shop.key, json: #"{"secret":"\#(secret.text)"}"#)
            let body = #"""
                {"type":"order.recorded","data":{"external_id":"s-1","member":"m","currency":"CNY","amount":10000,
                 "status":"paid","placed_at":"2026-11-30T08:00:00Z"}}
                """#
            func send(at date: Date, id: String) async throws -> TestResponse {
                let timestamp = Int64(date.timeIntervalSince1970)
                var headers = HTTPFields()
                headers[HTTPField.Name("webhook-id")!] = id
                headers[HTTPField.Name("webhook-timestamp")!] = String(timestamp)
                headers[HTTPField.Name("webhook-signature")!] = StandardWebhooks.header(
                    id: id,
                    timestamp: timestamp,
                    body: Data(body.utf8),
                    secrets: [secret]
                )
                return try await api.send(.post, "/hooks/standard/\(shop.tenant)", json: body, headers: headers)
            }
            let stale = try await send(at: Date().addingTimeInterval(-600), id: "msg_old")
            #expect(stale.status == .unauthorized)
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 0)
            let fresh = try await send(at: Date(), id: "msg_new")
            #expect(fresh.status == .ok, "\(fresh.text)")
            #expect(try await send(at: Date(), id: "msg_new").json()["status"] as? String == "duplicate")
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 1)
        }
    }
}
