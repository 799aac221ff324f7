import Foundation
import HTTPTypes
import JifenCore
import JifenTestSupport
import PostgresNIO
import Testing

@testable import JifenAPI
@testable import JifenPostgres

/// Erasure and the personal-data export (docs/privacy.md): after `DELETE /v1/members/{member}`
/// no personal value of the member is left in any row of the tenant (every table, read as
/// text), while the ledger, the audit and the reports are as they were, the fraud checks still
/// know the person, and the old id is reusable only when the shop said so.
@Suite struct ErasureTests {
    /// A person with values that occur nowhere else in the database.
    struct Person {
        let externalID: String
        let email: String
        let phone: String
        let phoneDigits: String
        let name: String

        init() {
            let tag = UUID().uuidString.lowercased().prefix(8)
            let digits = String(format: "139%08d", Int.random(in: 0..<100_000_000))
            externalID = "erase-\(tag)"
            email = "Mei.\(tag)@Example.com"
            phoneDigits = "86" + digits
            phone = "+86 \(digits.prefix(3))-\(digits.dropFirst(3).prefix(4))-\(digits.suffix(4))"
            name = "Mei Erasure \(tag)"
        }

        /// Every spelling a leak could take.
        var needles: [String] {
            [externalID, email, email.lowercased(), phone, phoneDigits, String(phoneDigits.dropFirst(2)), name]
        }

        var profile: String {
            #"{"email":"\#(email)","phone":"\#(phone)","name":"\#(name)","tags":["vip-\#(externalID)"]}"#
        }
    }

    static let program =
        #"{"currency":"CNY","referrals":{"referrer_points":500,"referee_points":200,"max_per_ip_per_day":5},"activities":[{"type":"review","points":10}]}"#

    /// Every row of every tenant table of `tenant`, as text: `to_jsonb` of the row, plus each
    /// bytea column decoded (`escape`), so a value inside a stored response body shows too.
    static func dump(_ tenant: TenantID) async throws -> String {
        let servers = try await TestServers.shared.ready()
        return try await servers.database.withTenant(tenant) { connection in
            func strings(_ sql: String) async throws -> [String] {
                var result: [String] = []
                let rows = try await connection.connection.query(PostgresQuery(unsafeSQL: sql), logger: servers.logger)
                for try await text in rows.decode(String?.self) { result.append(text ?? "") }
                return result
            }
            let tables = try await strings(
                """
                SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                ORDER BY 1
                """
            )
            #expect(tables.contains("members") && tables.contains("webhook_deliveries") && tables.count > 40)
            var text = ""
            let tenantLiteral = "'\(tenant.rawValue.uuidString.lowercased())'::uuid"
            for table in tables {
                for row in try await strings(
                    "SELECT to_jsonb(t)::text FROM \(table) t WHERE t.tenant_id = \(tenantLiteral)"
                ) {
                    text += table + " " + row + "\n"
                }
            }
            let byteaColumns = try await strings(
                """
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type = 'bytea' ORDER BY 1
                """
            )
            for qualified in byteaColumns {
                let parts = qualified.split(separator: ".")
                guard parts.count == 2, tables.contains(String(parts[0])) else { continue }
                for value in try await strings(
                    "SELECT encode(\(parts[1]), 'escape') FROM \(parts[0]) WHERE tenant_id = \(tenantLiteral) AND \(parts[1]) IS NOT NULL"
                ) {
                    text += qualified + " " + value + "\n"
                }
            }
            // Stored answers are sealed: opened as the server opens them, to read what they hold.
            let environment = ProcessInfo.processInfo.environment
            let box = try SecretBox.configured(
                key: environment["SECRETS_KEY"],
                keyID: environment["SECRETS_KEY_ID"],
                previousKeys: environment["SECRETS_PREVIOUS_KEYS"],
                production: false
            )
            let answers = try await connection.connection.query(
                "SELECT key, response_body FROM idempotency_keys WHERE tenant_id = \(tenant.rawValue) AND response_body IS NOT NULL",
                logger: servers.logger
            )
            for try await (key, body) in answers.decode((String, Data).self) {
                text += "idempotency_keys (opened) "
                let opened = try box.open(body, context: "idempotency_keys:\(tenant):\(key)")
                text += opened.replacingOccurrences(of: "\n", with: " ") + "\n"
            }
            return text
        }
    }

    static let reports = ["points-liability", "points-flows", "members", "repeat-purchase", "programs"]

    static func readReports(_ api: APIClient, key: String) async throws -> [String] {
        let year = Calendar.gregorian(in: TimeZone(identifier: "UTC")!).component(.year, from: Date())
        let today = Date().formatted(.iso8601.year().month().day())
        var bodies: [String] = []
        for report in reports {
            let response = try await api.send(
                .get,
                "/v1/reports/\(report)?from=\(year)-01-01&to=\(today)&period=month",
                key: key
            )
            #expect(response.status == .ok, "\(report): \(response.text)")
            bodies.append(response.text)
        }
        return bodies
    }

    @Test func erasureLeavesNoPersonalValueAnywhereAndKeepsTheBooks() async throws {
        let shop = try await makeTenant("erasure shop")
        let mei = Person()
        let state = ErasureState()
        let received = try await deliveredEvents([], shop: shop) { api in
            #expect(try await api.putProgram(Self.program, key: shop.key).status == .ok)
            #expect(
                try await api.send(.put, "/v1/members/\(mei.externalID)", key: shop.key, json: mei.profile).status
                    == .created
            )
            // An order sent with an Idempotency-Key: its stored answer names the member.
            let order = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("erase-o1", member: mei.externalID, amount: 30_000),
                headers: [HTTPField.Name("Idempotency-Key")!: "erase-order-1"]
            )
            #expect(order.status == .created, "\(order.text)")
            try await settle(shop.tenant, order: "erase-o1")
            try await api.paidOrder(
                "erase-o2",
                member: mei.externalID,
                amount: 12_000,
                tenant: shop.tenant,
                key: shop.key
            )
            // An activity whose metadata holds the email.
            let activity = try await api.send(
                .post,
                "/v1/members/\(mei.externalID)/activities",
                key: shop.key,
                json: #"{"type":"review","external_id":"erase-review-1","metadata":{"by":"\#(mei.email)"}}"#
            )
            #expect(activity.status == .created, "\(activity.text)")
            // An adjustment, a hold captured.
            #expect(
                try await api.send(
                    .post,
                    "/v1/members/\(mei.externalID)/adjustments",
                    key: shop.key,
                    json: #"{"points":100,"reason_code":"goodwill"}"#
                ).status == .created
            )
            let hold = try await api.send(
                .post,
                "/v1/members/\(mei.externalID)/redemptions",
                key: shop.key,
                json: #"{"points":50}"#
            ).json()
            let holdID = try #require(hold["id"] as? String)
            #expect(try await api.send(.post, "/v1/redemptions/\(holdID)/capture", key: shop.key).status == .ok)
            // A sponsor's referral of Mei, refused (already a customer): the sponsor's
            // `referral.rejected` names Mei, with the IP she was referred from.
            let sponsor = try await api.send(
                .put,
                "/v1/members/sponsor",
                key: shop.key,
                json: #"{"email":"s@example.com"}"#
            )
            .json()
            let code = try #require(sponsor["referral_code"] as? String)
            let referral = try await api.send(
                .post,
                "/v1/referrals",
                key: shop.key,
                json: #"{"code":"\#(code)","referee":"\#(mei.externalID)","ip":"203.0.113.77"}"#
            ).json()
            #expect(referral["reason"] as? String == "already_customer")
            // The events so far go out to the endpoint (deliveries, attempts with answers).
            try await runJob(.fanOutEvents, tenant: shop.tenant, now: Date())
            let webhooks = OutboundWebhookTests()
            for delivery in try await webhooks.deliveries(shop.tenant) {
                try await webhooks.dispatch(shop.tenant, delivery: delivery.id, now: Date())
            }
            // The dump finds what is there (a check of the check).
            let before = try await Self.dump(shop.tenant)
            for needle in [mei.externalID, mei.email, mei.phone, mei.name] {
                #expect(before.contains(needle), "\(needle)")
            }
            #expect(Self.lines(of: before, containing: "(opened)").contains { $0.contains(mei.externalID) })
            #expect(Self.lines(of: before, containing: "webhook_deliveries ").contains { $0.contains(mei.externalID) })
            try await runJob(.aggregateReports, tenant: shop.tenant, now: Date())
            let reportsBefore = try await Self.readReports(api, key: shop.key)
            let memberBefore = try await api.send(.get, "/v1/members/\(mei.externalID)", key: shop.key)
                .decoded(Components.Schemas.Member.self)
            let ledgerBefore = try await api.send(.get, "/v1/members/\(mei.externalID)/ledger?limit=200", key: shop.key)
                .decoded(Components.Schemas.LedgerPage.self)

            let erased = try await api.send(.delete, "/v1/members/\(mei.externalID)", key: shop.key)
            #expect(erased.status == .ok, "\(erased.text)")
            let erasure = try erased.decoded(Components.Schemas.MemberErasure.self)
            #expect(erasure.member.hasPrefix("erased:") && erasure.member.count == 39)
            #expect(erasure.allowReuse == false)
            state.token = erasure.member

            // The account lives on under its token: same id, balance and ledger; no profile.
            let after = try await api.send(.get, "/v1/members/\(erasure.member)", key: shop.key)
                .decoded(Components.Schemas.Member.self)
            #expect(after.id == memberBefore.id)
            #expect(after.balance == memberBefore.balance)
            #expect(after.email == nil && after.phone == nil && after.name == nil && after.tags.isEmpty)
            #expect(after.erasedAt != nil)
            let ledgerAfter = try await api.send(.get, "/v1/members/\(erasure.member)/ledger?limit=200", key: shop.key)
                .decoded(Components.Schemas.LedgerPage.self)
            #expect(ledgerAfter.data == ledgerBefore.data)
            try await runJob(.aggregateReports, tenant: shop.tenant, now: Date())
            #expect(try await Self.readReports(api, key: shop.key) == reportsBefore)
            // By the old id: gone, and no personal data to export.
            #expect(try await api.send(.get, "/v1/members/\(mei.externalID)", key: shop.key).status == .notFound)
            for id in [mei.externalID, erasure.member] {
                #expect(
                    try await api.send(.get, "/v1/members/\(id)/personal-data", key: shop.key).status == .notFound
                )
            }
            // The audit log has the erasure (and the adjustment) by the member's Jifen id only.
            let audit = try await api.send(.get, "/v1/audit-log?target_kind=member", key: shop.key).json()
            let entries = try #require(audit["data"] as? [[String: Any]])
            #expect(entries.compactMap { $0["action"] as? String }.contains("member.erased"))
            #expect(entries.allSatisfy { ($0["target"] as? [String: Any])?["id"] as? String == memberBefore.id })
        }
        try await expectAuditClean(shop.tenant)
        let token = try #require(state.token)
        // `member.erased` was delivered, and what was sent names only the token.
        #expect(received.contains { $0.type == "member.erased" && $0.valid })
        let dump = try await Self.dump(shop.tenant)
        for needle in mei.needles {
            #expect(
                !dump.contains(needle),
                "'\(needle)' is still in: \(Self.lines(of: dump, containing: needle).map { $0.prefix(400) })"
            )
        }
        let erasedPayloads = try await OutboundWebhookTests().deliveries(shop.tenant)
            .filter { $0.eventType == "member.erased" }.map(\.payload)
        #expect(erasedPayloads.count == 1)
        for payload in erasedPayloads {
            #expect(payload.contains(token) && payload.contains("allow_reuse"), "\(payload)")
        }
    }

    static func lines(of dump: String, containing needle: String) -> [Substring] {
        dump.split(separator: "\n").filter { $0.contains(needle) }
    }

    @Test func anErasedMembersEmailAndPhoneStillBlockSelfReferral() async throws {
        let shop = try await makeTenant()
        let ana = Person()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            let body = try await api.send(.put, "/v1/members/\(ana.externalID)", key: shop.key, json: ana.profile)
                .json()
            let code = try #require(body["referral_code"] as? String)
            #expect(try await api.send(.delete, "/v1/members/\(ana.externalID)", key: shop.key).status == .ok)
            func refer(_ referee: String, profile: String) async throws -> [String: Any] {
                try await api.send(.put, "/v1/members/\(referee)", key: shop.key, json: profile)
                return try await api.send(
                    .post,
                    "/v1/referrals",
                    key: shop.key,
                    json: #"{"code":"\#(code)","referee":"\#(referee)"}"#
                ).json()
            }
            // The same phone, spelt otherwise; the same email in another case.
            let phone = try await refer("ana-phone", profile: #"{"phone":"\#(ana.phoneDigits)"}"#)
            #expect(phone["reason"] as? String == "self_referral", "\(phone)")
            let email = try await refer("ana-email", profile: #"{"email":"\#(ana.email.uppercased())"}"#)
            #expect(email["reason"] as? String == "self_referral", "\(email)")
            let stranger = try await refer("stranger", profile: #"{"email":"someone.else@example.com"}"#)
            #expect(stranger["status"] as? String == "pending", "\(stranger)")
        }
    }

    @Test func rotatingSecretsKeyResealsTheHashKeyAndTheHashesStillMatch() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("hash key rotation")
        let ana = Person()
        let code = try await servers.database.withTenant(tenant.id) { connection in
            _ = try await connection.saveProgram(try JSONDecoder().decode(Program.self, from: Data(Self.program.utf8)))
            let (member, _) = try await connection.upsertMember(
                try ExternalID(ana.externalID),
                profile: MemberProfile(email: ana.email, phone: ana.phone)
            )
            #expect(try await connection.eraseMember(try ExternalID(ana.externalID), allowReuse: false) != nil)
            return member.referralCode
        }
        let newKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let newID = "erasure-\(UUID().uuidString.prefix(8))"
        func database(_ box: SecretBox) -> Database {
            Database(
                client: servers.database.client,
                systemClient: servers.database.systemClient,
                logger: servers.logger,
                secrets: box,
                acquireTimeout: servers.database.acquireTimeout
            )
        }
        let rotating = database(
            try SecretBox(current: .init(id: newID, base64: newKey), previous: [servers.database.secrets.current])
        )
        #expect(try await rotating.withTenant(tenant.id) { try await $0.resealSecrets(plaintextOnly: false) } == 1)
        #expect(try await rotating.withTenant(tenant.id) { try await $0.resealSecrets(plaintextOnly: false) } == 0)
        // Only the new key now: the hash key opens, unchanged, so the erased member's phone
        // still makes a self-referral.
        MemberHashKeys.shared.forget(tenant.id)
        let rotated = database(try SecretBox(current: .init(id: newID, base64: newKey)))
        let referral = try await rotated.withTenant(tenant.id) { connection in
            _ = try await connection.upsertMember(
                try ExternalID("ana-again"),
                profile: MemberProfile(phone: ana.phoneDigits)
            )
            return try await connection.createReferral(code: code, referee: try ExternalID("ana-again"), ip: nil)
        }
        #expect(referral.referral.reason == "self_referral")
        // Leave no row under a key only this test knew.
        MemberHashKeys.shared.forget(tenant.id)
        try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query("DELETE FROM member_hash_keys", logger: servers.logger)
        }
    }

    @Test func theOldIDIsRefusedUnlessReuseWasAllowedAndErasingIsIdempotent() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant("erasure other shop")
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            for id in ["bob", "carol"] {
                #expect(
                    try await api.send(.put, "/v1/members/\(id)", key: shop.key, json: #"{"name":"X"}"#).status
                        == .created
                )
            }
            try await api.paidOrder("carol-1", member: "carol", amount: 10_000, tenant: shop.tenant, key: shop.key)
            // Another tenant's key finds nothing to erase, and erases nothing.
            #expect(try await api.send(.delete, "/v1/members/bob", key: other.key).status == .notFound)
            #expect(try await api.send(.get, "/v1/members/bob", key: shop.key).status == .ok)
            #expect(try await api.send(.delete, "/v1/members/nobody", key: shop.key).status == .notFound)
            let bob = try await api.send(.delete, "/v1/members/bob", key: shop.key)
            #expect(bob.status == .ok, "\(bob.text)")
            let token = try bob.decoded(Components.Schemas.MemberErasure.self).member
            // Again, by the old id and by the token: the same record.
            for id in ["bob", token] {
                let again = try await api.send(.delete, "/v1/members/\(id)", key: shop.key)
                #expect(again.status == .ok, "\(again.text)")
                #expect(try again.decoded(Components.Schemas.MemberErasure.self).member == token)
            }
            // Not reusable: a profile, an order or a referral naming it is refused.
            let put = try await api.send(.put, "/v1/members/bob", key: shop.key, json: #"{"name":"Y"}"#)
            #expect(put.status == .conflict, "\(put.text)")
            #expect(try put.problemType() == "/problems/conflict")
            let order = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("bob-1", member: "bob"))
            #expect(order.status == .conflict, "\(order.text)")
            // Nor is the token a member to write to.
            let onToken = try await api.send(.put, "/v1/members/\(token)", key: shop.key, json: #"{"name":"Z"}"#)
            #expect(onToken.status == .conflict, "\(onToken.text)")
            let orderOnToken = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("bob-2", member: token)
            )
            #expect(orderOnToken.status == .conflict, "\(orderOnToken.text)")

            // Reusable when the shop says so: a new, unrelated member.
            let carolBefore = try await api.send(.get, "/v1/members/carol", key: shop.key)
                .decoded(Components.Schemas.Member.self)
            let carol = try await api.send(.delete, "/v1/members/carol?allow_reuse=true", key: shop.key)
            #expect(try carol.decoded(Components.Schemas.MemberErasure.self).allowReuse == true)
            let newCarol = try await api.send(.put, "/v1/members/carol", key: shop.key, json: #"{"name":"New"}"#)
            #expect(newCarol.status == .created, "\(newCarol.text)")
            let fresh = try newCarol.decoded(Components.Schemas.Member.self)
            #expect(fresh.id != carolBefore.id)
            #expect(fresh.stats.orderCount == 0 && carolBefore.stats.orderCount == 1)
            // Reuse can still be allowed later: bob's id becomes usable.
            let allowLater = try await api.send(.delete, "/v1/members/bob?allow_reuse=true", key: shop.key)
            #expect(try allowLater.decoded(Components.Schemas.MemberErasure.self).allowReuse == true)
            #expect(try await api.send(.put, "/v1/members/bob", key: shop.key, json: "{}").status == .created)
            // An erased member is no segment's.
            let list = try await api.send(.get, "/v1/members?limit=200", key: shop.key)
                .decoded(Components.Schemas.MemberList.self)
            #expect(!list.data.contains { $0.externalId.hasPrefix("erased:") })
            #expect(try await api.send(.delete, "/v1/members/bad%20id", key: shop.key).status == .notFound)
            #expect(
                try await api.send(.delete, "/v1/members/bob?allow_reuse=maybe", key: shop.key).status == .badRequest
            )
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func anOrderPlacedBeforeTheErasureCanStillBePaidAndCancelled() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            for id in ["fay-1", "fay-2"] {
                let placed = try await api.send(
                    .post,
                    "/v1/orders",
                    key: shop.key,
                    json: orderJSON(id, member: "fay", status: "placed")
                )
                #expect(placed.status == .created, "\(placed.text)")
            }
            let erased = try await api.send(.delete, "/v1/members/fay", key: shop.key)
            let token = try erased.decoded(Components.Schemas.MemberErasure.self).member
            // Paid later, sent by the old id (as a platform does) or by the token: recorded on the
            // erased member, not refused, and no member named `fay` appears.
            let paid = try await api.send(.post, "/v1/orders", key: shop.key, json: orderJSON("fay-1", member: "fay"))
            #expect(paid.status == .ok, "\(paid.text)")
            let order = try paid.decoded(Components.Schemas.Order.self)
            #expect(order.status == .paid && order.member == token)
            let byToken = try await api.send(
                .post,
                "/v1/orders",
                key: shop.key,
                json: orderJSON("fay-2", member: token, status: "cancelled")
            )
            #expect(byToken.status == .ok, "\(byToken.text)")
            #expect(try await api.send(.get, "/v1/members/fay", key: shop.key).status == .notFound)
            // A new order is still refused, by either id.
            for member in ["fay", token] {
                let new = try await api.send(
                    .post,
                    "/v1/orders",
                    key: shop.key,
                    json: orderJSON("fay-3", member: member)
                )
                #expect(new.status == .conflict, "\(new.text)")
            }
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func aShopifyOrderOfAnErasedCustomerIsAcknowledgedAndRecordsNothing() async throws {
        let shop = try await makeTenant()
        let hooks = InboundWebhookTests()
        try await withAPI { api async throws in
            let secret = "shpss_erasure_1234"
            #expect(
                try await api.send(.put, "/v1/integrations/shopify", key: shop.key, json: #"{"secret":"\#(secret)"}"#)
                    .status == .noContent
            )
            // Shopify's customer id is the member's id (InboundWebhookTests.order: 207119551).
            try await api.send(.put, "/v1/members/207119551", key: shop.key, json: #"{"name":"Bob"}"#)
            #expect(try await api.send(.delete, "/v1/members/207119551", key: shop.key).status == .ok)
            let order = try await hooks.post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "erased-w-1",
                body: InboundWebhookTests.order,
                secret: secret
            )
            #expect(order.status == .ok, "\(order.text)")
            #expect(try order.json()["status"] as? String == "ignored")
            #expect(try await TestServers.shared.count("orders", tenant: shop.tenant) == 0)
            #expect(try await api.send(.get, "/v1/members/207119551", key: shop.key).status == .notFound)
            // Received once: the same delivery again is a duplicate, not a retry.
            let again = try await hooks.post(
                api,
                tenant: shop.tenant,
                topic: "orders/paid",
                id: "erased-w-1",
                body: InboundWebhookTests.order,
                secret: secret
            )
            #expect(try again.json()["status"] as? String == "duplicate")
        }
    }

    @Test func aMemberWithAnOpenHoldIsNotErasedUntilItIsReleased() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            try await api.send(.put, "/v1/members/dan", key: shop.key, json: "{}")
            let adjusted = try await api.send(
                .post,
                "/v1/members/dan/adjustments",
                key: shop.key,
                json: #"{"points":100,"reason_code":"goodwill"}"#
            )
            #expect(adjusted.status == .created, "\(adjusted.text)")
            let hold = try await api.send(.post, "/v1/members/dan/redemptions", key: shop.key, json: #"{"points":40}"#)
                .json()
            let id = try #require(hold["id"] as? String)
            let refused = try await api.send(.delete, "/v1/members/dan", key: shop.key)
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(try await api.send(.get, "/v1/members/dan", key: shop.key).status == .ok)
            #expect(try await api.send(.post, "/v1/redemptions/\(id)/release", key: shop.key).status == .ok)
            #expect(try await api.send(.delete, "/v1/members/dan", key: shop.key).status == .ok)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func thePersonalDataExportHoldsTheProfileAndTheHistory() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant("export other shop")
        let eve = Person()
        try await withAPI { api async throws in
            try await api.putProgram(Self.program, key: shop.key)
            try await api.send(.put, "/v1/members/\(eve.externalID)", key: shop.key, json: eve.profile)
            try await api.paidOrder("eve-1", member: eve.externalID, amount: 20_000, tenant: shop.tenant, key: shop.key)
            try await api.send(
                .post,
                "/v1/members/\(eve.externalID)/adjustments",
                key: shop.key,
                json: #"{"points":10,"reason_code":"goodwill"}"#
            )
            try await api.send(
                .post,
                "/v1/members/\(eve.externalID)/activities",
                key: shop.key,
                json: #"{"type":"review","external_id":"eve-review","metadata":{"stars":5}}"#
            )
            let response = try await api.send(.get, "/v1/members/\(eve.externalID)/personal-data", key: shop.key)
            #expect(response.status == .ok, "\(response.text)")
            let export = try response.decoded(Components.Schemas.PersonalData.self)
            #expect(
                export.member.email == eve.email && export.member.phone == eve.phone && export.member.name == eve.name
            )
            #expect(export.orders.map(\.externalId) == ["eve-1"])
            #expect(export.ledger.count == 3)
            #expect(export.lots.count == 3)
            #expect(export.activities.map(\.externalId) == ["eve-review"])
            #expect(export.activities.first?.metadata?.value["stars"] as? Int == 5)
            #expect(export.ledger.map(\.availableDelta).reduce(0, +) == export.member.balance.available)
            #expect(
                try await api.send(.get, "/v1/members/\(eve.externalID)/personal-data", key: other.key).status
                    == .notFound
            )
        }
    }
}

/// What the erasure test's closure found, read after it.
final class ErasureState: @unchecked Sendable {
    var token: String?
}
