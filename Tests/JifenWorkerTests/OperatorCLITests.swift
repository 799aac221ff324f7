import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import JifenWebhooks
import PostgresNIO
import Testing

/// The operator commands, run as the real binary.
@Suite struct OperatorCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (
        status: Int32?, output: String
    ) {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let child = try ChildProcess(
            executable: binary,
            arguments: arguments,
            environment: environment,
            name: arguments[0]
        )
        // Generous: `migrate` seals secrets tenant by tenant, over every tenant the suite made,
        // while the other suites load the machine.
        _ = try await eventually(timeout: .seconds(180), every: .milliseconds(100)) { !child.isRunning }
        return (try await child.terminate(deadline: .seconds(1)), child.log)
    }

    /// The operator token opens every tenant: a short one, or the manifests' placeholder, stops
    /// `jifen serve` at start-up with a message that says why.
    @Test func serveRefusesAWeakOperatorToken() async throws {
        for (token, reason) in [
            ("short-token", "at least 32 characters"),
            ("CHANGE-ME-to-a-random-token-of-32-or-more-characters", "placeholder"),
        ] {
            let port = try TestPorts.reserve()
            let result = try await run(["serve"], environment: ["OPERATOR_TOKEN": token, "PORT": "\(port)"])
            #expect(result.status != 0 && result.status != nil, "\(token): \(result.output)")
            #expect(result.output.contains(reason), "\(token): \(result.output)")
            #expect(!result.output.contains(token) || token.hasPrefix("CHANGE-ME"), "the token was logged")
        }
    }

    @Test func deadJobsAreListedAndRetriedFromTheCommandLine() async throws {
        let queue = makeQueue()
        try await queue.enqueue(Job(id: "cli-dead", kind: "test.cli", tenant: nil, payload: "{}"))
        let delivery = try #require(
            try await queue.read(count: 1, block: .milliseconds(100)).first
        )
        try await queue.bury(delivery, error: "it broke")
        let environment = ["JOB_QUEUE": queue.keys.name, "LOG_LEVEL": "error"]

        let list = try await run(["jobs", "dead", "list"], environment: environment)
        #expect(list.status == 0)
        #expect(list.output.contains("test.cli") && list.output.contains("it broke"), "\(list.output)")
        let deadID = try #require(try await queue.deadJobs().first?.entryID)
        #expect(list.output.contains(deadID))

        let stats = try await run(["jobs", "stats"], environment: environment)
        #expect(stats.output.contains("dead       1"), "\(stats.output)")

        let retried = try await run(["jobs", "dead", "retry", deadID], environment: environment)
        #expect(retried.status == 0, "\(retried.output)")
        let after = try await queue.stats()
        #expect(after.dead == 0)
        #expect(after.ready == 1)

        let missing = try await run(["jobs", "dead", "retry", deadID], environment: environment)
        #expect(missing.status != 0)
    }

    @Test func auditExitsNonZeroOnAViolation() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("audit test")
        try await servers.database.withTenant(tenant.id) { connection in
            let (order, _) = try await connection.recordOrder(try paidOrder("o-1"))
            _ = try await connection.settleOrder(order.id)
        }
        let clean = try await run(["audit", "--tenant", tenant.id.description], environment: ["LOG_LEVEL": "error"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("ledger consistent"))

        // Corrupt the balance behind the ledger's back.
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                "UPDATE balances SET available = available + 5",
                logger: servers.logger
            )
        }
        let dirty = try await run(["audit", "--tenant", tenant.id.description], environment: ["LOG_LEVEL": "error"])
        #expect(dirty.status == 1)
        #expect(dirty.output.contains("VIOLATION"), "\(dirty.output)")
        #expect(dirty.output.contains("balance 264, ledger sum 259, lots remaining 259"), "\(dirty.output)")

        // Put it back: `make test` ends with `jifen audit` over every tenant, which must pass.
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                "UPDATE balances SET available = available - 5",
                logger: servers.logger
            )
        }
        let repaired = try await run(["audit", "--tenant", tenant.id.description], environment: ["LOG_LEVEL": "error"])
        #expect(repaired.status == 0, "\(repaired.output)")
    }

    /// The key the tests' own processes seal with, as a `SECRETS_PREVIOUS_KEYS` entry.
    static var testKeyEntry: String {
        let environment = ProcessInfo.processInfo.environment
        guard let key = environment["SECRETS_KEY"], !key.isEmpty else { return "dev" }
        return environment["SECRETS_KEY_ID"].map { "\($0):\(key)" } ?? key
    }

    @Test func secretsRotateResealsEveryRowUnderTheNewKeyOnce() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("rotation test")
        let outbound = (old: WebhookSecret.generate().text, new: WebhookSecret.generate().text)
        let endpoint = try await servers.database.withTenant(tenant.id) { connection in
            let endpoint = try await connection.createEndpoint(
                url: "https://hooks.example/rotation",
                eventTypes: [],
                description: nil,
                secret: outbound.old
            )
            _ = try await connection.rotateSecret(endpoint.id, secret: outbound.new, overlapUntil: Date() + 3_600)
            try await connection.setInboundSecret(.shopify, secret: "shopify-old-secret")
            try await connection.setInboundSecret(.shopify, secret: "shopify-new-secret")
            // A row as code older than migration 0012 writes it during a rolling deploy.
            try await connection.connection.query(
                "INSERT INTO webhook_endpoints (tenant_id, url, secret) VALUES (\(tenant.id.rawValue), 'https://hooks.example/old', 'plain-old-secret')",
                logger: servers.logger
            )
            return endpoint
        }
        let newKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let newID = "rotated-\(UUID().uuidString.prefix(8))"
        let environment = [
            "LOG_LEVEL": "error", "SECRETS_KEY": newKey, "SECRETS_KEY_ID": newID,
            "SECRETS_PREVIOUS_KEYS": Self.testKeyEntry,
        ]
        let first = try await run(["secrets", "rotate", "--tenant", tenant.id.description], environment: environment)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("re-sealed 3 rows of 1 tenants under key '\(newID)'"), "\(first.output)")

        // Every sealed value now names the new key, and nothing is left in plain text.
        let stored = try await servers.database.withTenant(tenant.id) { connection in
            var values: [Data?] = []
            for table in ["webhook_endpoints", "inbound_integrations"] {
                let rows = try await connection.connection.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT secret, previous_secret, secret_sealed, previous_secret_sealed FROM \(table)"
                    ),
                    logger: servers.logger
                )
                for try await (plain, previousPlain, sealed, previous) in rows.decode(
                    (String?, String?, Data?, Data?).self
                ) {
                    #expect(plain == nil && previousPlain == nil)
                    values += [sealed, previous]
                }
            }
            return values
        }
        // Two endpoints (one with a previous secret) and the Shopify integration (with one).
        #expect(stored.count == 6)
        #expect(stored.compactMap { $0 }.map(SecretBox.keyID(of:)) == Array(repeating: newID, count: 5))

        // The new key opens them to what they were; the old one no longer does.
        let rotated = Database(
            client: servers.database.client,
            systemClient: servers.database.systemClient,
            logger: servers.logger,
            secrets: try SecretBox(current: .init(id: newID, base64: newKey)),
            // The shared test pool is busy while the other suites run: wait as the suite does.
            acquireTimeout: servers.database.acquireTimeout
        )
        let signing = try await rotated.withTenant(tenant.id) {
            try await $0.signing(endpoint: endpoint.id, now: Date())
        }
        #expect(signing?.secrets == [outbound.new, outbound.old])
        #expect(
            try await rotated.withTenant(tenant.id) { try await $0.inboundSecrets(.shopify) }
                == ["shopify-new-secret", "shopify-old-secret"]
        )
        await #expect(throws: JifenError.self) {
            try await servers.database.withTenant(tenant.id) {
                try await $0.signing(endpoint: endpoint.id, now: Date())
            }
        }

        // Again: nothing to do.
        let second = try await run(["secrets", "rotate", "--tenant", tenant.id.description], environment: environment)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("re-sealed 0 rows of 1 tenants"), "\(second.output)")

        // Without the new key nothing opens: the tenant is reported, not skipped in silence.
        let keyless = try await run(
            ["secrets", "rotate", "--tenant", tenant.id.description],
            environment: ["LOG_LEVEL": "error"]
        )
        #expect(keyless.status == 1, "\(keyless.output)")
        #expect(keyless.output.contains("FAILED tenant \(tenant.id)"), "\(keyless.output)")
        #expect(keyless.output.contains("'\(newID)'"), "\(keyless.output)")
        // Leave no rows under a key only this test knew, so a rotation of the whole test
        // database still works.
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query("DELETE FROM inbound_integrations", logger: servers.logger)
            try await connection.connection.query("DELETE FROM webhook_endpoints", logger: servers.logger)
        }
    }

    @Test func migrateSealsSecretsLeftInPlainText() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("plain-text secrets")
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                """
                INSERT INTO webhook_endpoints (tenant_id, id, url, secret, previous_secret, previous_secret_until)
                VALUES (\(tenant.id.rawValue), '00000000-0000-4000-8000-000000000001', 'https://hooks.example/x',
                        'plain-current', 'plain-previous', now() + interval '1 hour')
                """,
                logger: servers.logger
            )
            try await connection.connection.query(
                "INSERT INTO inbound_integrations (tenant_id, kind, secret) VALUES (\(tenant.id.rawValue), 'standard', 'plain-inbound')",
                logger: servers.logger
            )
        }
        let migrated = try await run(
            ["migrate"],
            environment: [
                "LOG_LEVEL": "error",
                "MIGRATIONS_DIR": servers.repositoryRoot.appendingPathComponent("migrations").path,
            ]
        )
        #expect(migrated.status == 0, "\(migrated.output)")
        #expect(migrated.output.contains("sealed the plain-text webhook secrets"), "\(migrated.output)")
        let plain = try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                """
                SELECT (SELECT count(*) FROM webhook_endpoints WHERE secret IS NOT NULL OR previous_secret IS NOT NULL)
                     + (SELECT count(*) FROM inbound_integrations WHERE secret IS NOT NULL OR previous_secret IS NOT NULL)
                """,
                logger: servers.logger
            ).decode(Int.self).first(where: { _ in true })
        }
        #expect(plain == 0)
        let (signing, inbound) = try await servers.database.withTenant(tenant.id) { connection in
            (
                try await connection.signing(
                    endpoint: try #require(UUID(uuidString: "00000000-0000-4000-8000-000000000001")),
                    now: Date()
                ),
                try await connection.inboundSecrets(.standard)
            )
        }
        #expect(signing?.secrets == ["plain-current", "plain-previous"])
        #expect(inbound == ["plain-inbound"])
    }

    @Test func productionRefusesToStartWithoutASecretsKey() async throws {
        let refused = try await run(["serve"], environment: ["JIFEN_ENV": "production", "SECRETS_KEY": ""])
        #expect(refused.status != 0)
        #expect(refused.output.contains("SECRETS_KEY is required when JIFEN_ENV=production"), "\(refused.output)")
        let typo = try await run(["serve"], environment: ["JIFEN_ENV": "prod"])
        #expect(typo.status != 0)
        #expect(typo.output.contains("JIFEN_ENV must be development or production"), "\(typo.output)")
    }
}
