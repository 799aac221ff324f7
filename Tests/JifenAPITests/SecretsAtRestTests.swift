import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWebhooks
import Testing

/// Webhook secrets are sealed at rest: a dump of the database holds none of them, in either
/// direction, while signing and verifying with them still work.
@Suite struct SecretsAtRestTests {
    /// `pg_dump` of what `tenant` can see, as the application role: row-level security on, scoped
    /// to the tenant, so the dump holds exactly this test's rows.
    func dump(_ tenant: TenantID) async throws -> String {
        let servers = try await TestServers.shared.ready()
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let pgDump = try #require(
            versions.compactMap(Int.init).sorted().last.map { "/usr/lib/postgresql/\($0)/bin/pg_dump" },
            "pg_dump is not installed (deploy/local/services.sh up installs it)"
        )
        let child = try ChildProcess(
            executable: pgDump,
            // Not the scratch schemas MigratorTests makes and drops meanwhile: pg_dump would
            // deadlock with the DROP.
            arguments: [
                "--data-only", "--enable-row-security", "--no-owner", "--exclude-schema=migrate_test_*",
                servers.databaseURL,
            ],
            environment: ["PGOPTIONS": "-c app.tenant_id=\(tenant)"],
            name: "pg_dump"
        )
        #expect(try await eventually(timeout: .seconds(60)) { !child.isRunning })
        #expect(try await child.terminate(deadline: .seconds(1)) == 0, "\(child.log)")
        return child.log
    }

    @Test func aDumpHoldsNoSecretInClearWhileDeliveriesStillSignAndHooksStillVerify() async throws {
        let shop = try await makeTenant()
        let shopifySecrets = ["shpss_old_\(UUID().uuidString.prefix(8))", "shpss_new_\(UUID().uuidString.prefix(8))"]
        let standardSecret = WebhookSecret.generate().text
        let (endpoint, oldSecret, newSecret) = try await withAPI { api async throws -> (String, String, String) in
            // With Idempotency-Keys: their stored answers hold the secrets too, and must be sealed.
            let idempotency = HTTPField.Name("Idempotency-Key")!
            let create = #"{"url":"http://127.0.0.1:1/sealed-hook","description":"sealed"}"#
            let created = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: create,
                headers: [idempotency: "create-sealed"]
            )
            let body = try created.json()
            let endpoint = try #require((body["endpoint"] as? [String: Any])?["id"] as? String)
            let oldSecret = try #require(body["secret"] as? String)
            // The sealed answer opens again for a retry: the same secret, replayed.
            let replayed = try await api.send(
                .post,
                "/v1/webhook-endpoints",
                key: shop.key,
                json: create,
                headers: [idempotency: "create-sealed"]
            )
            #expect(replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replayed.json()["secret"] as? String == oldSecret)
            // Rotated: the old secret is kept too (it signs for 24 h), so both must be sealed.
            let rotated = try await api.send(
                .post,
                "/v1/webhook-endpoints/\(endpoint)/rotate-secret",
                key: shop.key,
                headers: [idempotency: "rotate-sealed"]
            )
            let newSecret = try #require(try rotated.json()["secret"] as? String)
            for secret in shopifySecrets {
                let put = try await api.send(
                    .put,
                    "/v1/integrations/shopify",
                    key: shop.key,
                    json: #"{"secret":"\#(secret)"}"#
                )
                #expect(put.status == .noContent, "\(put.text)")
            }
            let standard = try await api.send(
                .put,
                "/v1/integrations/standard",
                key: shop.key,
                json: #"{"secret":"\#(standardSecret)"}"#
            )
            #expect(standard.status == .noContent, "\(standard.text)")
            return (endpoint, oldSecret, newSecret)
        }
        #expect(oldSecret != newSecret)

        let text = try await dump(shop.tenant)
        // The dump has this tenant's rows (so a clean grep means something) …
        #expect(text.contains("http://127.0.0.1:1/sealed-hook"), "\(text.prefix(2_000))")
        #expect(text.contains("\(shop.tenant)\tshopify\t") && text.contains("\(shop.tenant)\tstandard\t"))
        // … and none of the secrets: not as text, not the key inside `whsec_`, not as bytea hex.
        for secret in [oldSecret, newSecret, standardSecret] + shopifySecrets {
            let forms = [secret, String(secret.trimmingPrefix("whsec_")), Data(secret.utf8).hex]
            for form in forms {
                let leaked = text.contains(form)
                #expect(!leaked, "the dump holds a secret in clear: \(form)")
            }
        }
        let plain = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
            try await connection.connection.query(
                """
                SELECT (SELECT count(*) FROM webhook_endpoints WHERE secret IS NOT NULL OR previous_secret IS NOT NULL)
                     + (SELECT count(*) FROM inbound_integrations WHERE secret IS NOT NULL OR previous_secret IS NOT NULL)
                """,
                logger: TestServers.shared.logger
            ).decode(Int.self).first(where: { _ in true })
        }
        #expect(plain == 0)

        // Outbound: the receiver verifies with the secret the shop was given.
        let receiver = try await Receiver(secret: newSecret)
        try await withAPI { api async throws in
            let patched = try await api.send(
                .patch,
                "/v1/webhook-endpoints/\(endpoint)",
                key: shop.key,
                json: #"{"url":"\#(receiver.url)"}"#
            )
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(
                try await api.send(.post, "/v1/webhook-endpoints/\(endpoint)/test", key: shop.key).status == .accepted
            )
        }
        let delivery = try #require(try await OutboundWebhookTests().deliveries(shop.tenant).first)
        try await OutboundWebhookTests().dispatch(shop.tenant, delivery: delivery.id, now: Date())
        #expect(try receiver.entries().map(\.valid) == [true])

        // Inbound: the current and the previous Shopify secret verify; another does not.
        try await withAPI { api async throws in
            let inbound = InboundWebhookTests()
            for (i, secret) in shopifySecrets.enumerated() {
                let answer = try await inbound.post(
                    api,
                    tenant: shop.tenant,
                    topic: "orders/create",
                    id: "sealed-\(i)",
                    body: InboundWebhookTests.order,
                    secret: secret
                )
                #expect(answer.status == .ok, "\(answer.text)")
            }
            let forged = try await inbound.post(
                api,
                tenant: shop.tenant,
                topic: "orders/create",
                id: "sealed-forged",
                body: InboundWebhookTests.order,
                secret: "shpss_guess_1234"
            )
            #expect(forged.status == .unauthorized)
        }
    }
}

extension Data {
    fileprivate var hex: String { map { String(format: "%02x", $0) }.joined() }
}
