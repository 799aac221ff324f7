import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
import Testing

@testable import JifenConsole

/// Who may do what in the console, and what a stranger, a forged form or an old session gets.
@Suite struct ConsoleSecurityTests {
    static func member(_ tenant: TenantID, _ id: String, email: String? = nil, phone: String? = nil) async throws {
        let servers = try await TestServers.shared.ready()
        _ = try await servers.database.withTenant(tenant) {
            try await $0.upsertMember(
                try ExternalID(id),
                profile: MemberProfile(email: email, phone: phone, name: "Amy Li")
            )
        }
    }

    static func ledgerCount(_ tenant: TenantID) async throws -> Int {
        try await TestServers.shared.count("ledger_entries", tenant: tenant)
    }

    @Test func viewerCannotAdjustAndStaffOnlyWithinTheLimit() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console roles")
        try await Self.member(tenant.id, "cust-1")
        try await withConsole { client in
            let viewer = try await client.join(tenant.id, email: "viewer@example.com", role: .viewer)
            let page = try await client.get("/console/members/cust-1", cookie: viewer.cookie)
            #expect(page.status == .ok)
            #expect(!page.text.contains(#"id="adjustment""#), "a viewer is shown no adjustment form")
            let before = try await Self.ledgerCount(tenant.id)
            let refused = try await client.post(
                "/console/members/cust-1/adjustments",
                form: ["_csrf": viewer.csrf, "_form": formKey(), "points": "50", "reason_code": "goodwill"],
                cookie: viewer.cookie
            )
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains(#"role="alert""#))
            #expect(try await Self.ledgerCount(tenant.id) == before)

            let staff = try await client.join(tenant.id, email: "staff@example.com", role: .staff)
            let tooMuch = try await client.post(
                "/console/members/cust-1/adjustments",
                form: ["_csrf": staff.csrf, "_form": formKey(), "points": "5000", "reason_code": "goodwill"],
                cookie: staff.cookie
            )
            #expect(tooMuch.status == .forbidden)
            #expect(try await Self.ledgerCount(tenant.id) == before)
            let allowed = try await client.post(
                "/console/members/cust-1/adjustments",
                form: [
                    "_csrf": staff.csrf, "_form": formKey(), "points": "20", "reason_code": "correction",
                    "note": "missed scan",
                ],
                cookie: staff.cookie
            )
            #expect(allowed.status == .seeOther)
            let shown = try await client.get("/console/members/cust-1?done=adjusted", cookie: staff.cookie)
            #expect(shown.first(#"id="balance" data-points="(-?\d+)""#) == "20")
            #expect(shown.text.contains(#"data-points="20" data-reason="correction""#))
            // Staff manage no program and no staff.
            let program = try await client.post(
                "/console/program",
                form: ["_csrf": staff.csrf, "program": "{}"],
                cookie: staff.cookie
            )
            #expect(program.status == .forbidden)
            #expect(try await client.get("/console/staff", cookie: staff.cookie).status == .forbidden)
            #expect(try await client.get("/console/audit", cookie: staff.cookie).status == .forbidden)
        }
    }

    @Test func formsWithoutTheSessionsTokenAreRefused() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console csrf")
        try await Self.member(tenant.id, "cust-1")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            let before = try await Self.ledgerCount(tenant.id)
            let form = ["points": "50", "reason_code": "goodwill", "_form": formKey()]
            let missing = try await client.post("/console/members/cust-1/adjustments", form: form, cookie: owner.cookie)
            #expect(missing.status == .forbidden)
            var wrong = form
            wrong["_csrf"] = String(owner.csrf.reversed())
            #expect(
                try await client.post("/console/members/cust-1/adjustments", form: wrong, cookie: owner.cookie).status
                    == .forbidden
            )
            var right = form
            right["_csrf"] = owner.csrf
            let crossSite = try await client.post(
                "/console/members/cust-1/adjustments",
                form: right,
                cookie: owner.cookie,
                headers: [.secFetchSite: "cross-site"]
            )
            #expect(crossSite.status == .forbidden)
            #expect(try await Self.ledgerCount(tenant.id) == before)
            // The sign-in form needs its own token too (login CSRF).
            let signIn = try await client.post(
                "/console/sign-in",
                form: ["shop": "\(tenant.id)", "email": "owner@example.com", "password": "a long enough password"]
            )
            #expect(signIn.status == .forbidden)
            // And the same form with its token is accepted.
            #expect(
                try await client.post("/console/members/cust-1/adjustments", form: right, cookie: owner.cookie).status
                    == .seeOther
            )
        }
    }

    @Test func aFormSentTwiceAdjustsOnce() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console double submit")
        try await Self.member(tenant.id, "cust-1")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            let page = try await client.get("/console/members/cust-1", cookie: owner.cookie)
            let key = try #require(page.first(#"name="_form" value="([A-Za-z0-9]{32})""#))
            let form = ["_csrf": owner.csrf, "_form": key, "points": "40", "reason_code": "goodwill"]
            let before = try await Self.ledgerCount(tenant.id)
            let answers = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await client.post("/console/members/cust-1/adjustments", form: form, cookie: owner.cookie)
                            .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Each click is answered (done, or "already being sent"), and the points move once.
            #expect(answers.allSatisfy { $0 == .seeOther || $0 == .conflict }, "\(answers)")
            #expect(answers.contains(.seeOther))
            #expect(try await Self.ledgerCount(tenant.id) == before + 1)
            let again = try await client.post("/console/members/cust-1/adjustments", form: form, cookie: owner.cookie)
            #expect(again.status == .seeOther)
            #expect(try await Self.ledgerCount(tenant.id) == before + 1)
            var changed = form
            changed["points"] = "41"
            let reused = try await client.post(
                "/console/members/cust-1/adjustments",
                form: changed,
                cookie: owner.cookie
            )
            #expect(reused.status == .conflict)
            var keyless = form
            keyless["_form"] = nil
            #expect(
                try await client.post("/console/members/cust-1/adjustments", form: keyless, cookie: owner.cookie).status
                    == .badRequest
            )
            #expect(try await Self.ledgerCount(tenant.id) == before + 1)
        }
    }

    @Test func staffSeeOnlyTheirOwnShop() async throws {
        let (shopA, _) = try await TestServers.shared.makeTenant("console shop A")
        let (shopB, _) = try await TestServers.shared.makeTenant("console shop B")
        try await Self.member(shopA.id, "alice", email: "alice@example.com")
        try await Self.member(shopB.id, "bob-of-b", email: "bob@example.com", phone: "+86 139 0000 0000")
        try await withConsole { client in
            let ownerA = try await client.join(shopA.id, email: "owner@a.example", role: .owner)
            for query in ["bob-of-b", "bob@example.com", "+8613900000000"] {
                let found = try await client.get(
                    "/console/members?q=\(ConsoleClient.escape(query))",
                    cookie: ownerA.cookie
                )
                #expect(found.status == .ok)
                #expect(!found.text.contains("data-member="), "shop A's search finds B's member by \(query)")
            }
            #expect(try await client.get("/console/members/bob-of-b", cookie: ownerA.cookie).status == .notFound)
            let own = try await client.get("/console/members?q=ALICE%40example.com", cookie: ownerA.cookie)
            #expect(own.text.contains(#"data-member="alice""#))
            // B's owner signs in to B only: A's id with B's credentials is refused.
            _ = try await client.join(shopB.id, email: "owner@b.example", role: .owner)
            let crossed = try await client.attemptSignIn(
                shopA.id,
                email: "owner@b.example",
                password: "a long enough password"
            )
            #expect(crossed.status == .unauthorized)
            #expect(crossed.text.contains(#"role="alert""#))
        }
    }

    @Test func sessionsEndWhenIdleExpiredSignedOutRevokedOrDisabled() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console sessions")
        let servers = try await TestServers.shared.ready()
        @Sendable func age(_ sql: String) async throws {
            _ = try await servers.database.withTenant(tenant.id) {
                try await $0.connection.query(PostgresQuery(unsafeSQL: sql), logger: servers.logger)
            }
        }
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            // Idle past the limit (30 minutes by default).
            let idle = try await client.join(tenant.id, email: "idle@example.com", role: .viewer)
            #expect(try await client.get("/console/members", cookie: idle.cookie).status == .ok)
            try await age(
                "UPDATE staff_sessions SET last_seen_at = now() - interval '31 minutes' WHERE staff_id = (SELECT id FROM staff_accounts WHERE email = 'idle@example.com')"
            )
            let idleAnswer = try await client.get("/console/members", cookie: idle.cookie)
            #expect(idleAnswer.status == .seeOther)
            #expect(idleAnswer.headers[.location]?.hasPrefix("/console/sign-in") == true)
            // Past its lifetime, however active.
            let old = try await client.join(tenant.id, email: "old@example.com", role: .viewer)
            try await age(
                "UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE staff_id = (SELECT id FROM staff_accounts WHERE email = 'old@example.com')"
            )
            #expect(try await client.get("/console/members", cookie: old.cookie).status == .seeOther)
            // Signed out.
            let leaving = try await client.join(tenant.id, email: "leaving@example.com", role: .viewer)
            let out = try await client.post("/console/sign-out", form: ["_csrf": leaving.csrf], cookie: leaving.cookie)
            #expect(out.status == .seeOther)
            #expect(try await client.get("/console/members", cookie: leaving.cookie).status == .seeOther)
            // Revoked by an owner ("sign out everywhere"), then disabled.
            let revoked = try await client.join(tenant.id, email: "revoked@example.com", role: .staff)
            let staffPage = try await client.get("/console/staff", cookie: owner.cookie)
            let id = try #require(
                staffPage.first(
                    #"(?s)<tr data-email="revoked@example.com">.*?/console/staff/([0-9a-f-]{36})/sessions/revoke"#
                )
            )
            let revoke = try await client.post(
                "/console/staff/\(id)/sessions/revoke",
                form: ["_csrf": owner.csrf],
                cookie: owner.cookie
            )
            #expect(revoke.status == .seeOther)
            #expect(try await client.get("/console/members", cookie: revoked.cookie).status == .seeOther)
            let again = try await client.signIn(
                tenant.id,
                email: "revoked@example.com",
                password: "a long enough password"
            )
            let disable = try await client.post(
                "/console/staff/\(id)/disable",
                form: ["_csrf": owner.csrf],
                cookie: owner.cookie
            )
            #expect(disable.status == .seeOther)
            #expect(try await client.get("/console/members", cookie: again.cookie).status == .seeOther)
            let refused = try await client.attemptSignIn(
                tenant.id,
                email: "revoked@example.com",
                password: "a long enough password"
            )
            #expect(refused.status == .unauthorized)
            // The owner's own session is untouched by all of it.
            #expect(try await client.get("/console/members", cookie: owner.cookie).status == .ok)
        }
    }

    @Test func passwordsAndTokensAreNeverLogged() async throws {
        // Sessions, passwords and invitations (whose path holds the token).
        let (tenant, _) = try await TestServers.shared.makeTenant("console logs")
        let logs = CapturedLogs()
        let password = "Unmistakable-Secret-Passw0rd"
        try await withConsole(logger: logs.logger()) { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner, password: password)
            _ = try await client.attemptSignIn(tenant.id, email: "owner@example.com", password: password + "-typo")
            _ = try await client.get("/console/members", cookie: owner.cookie)
            let session = String(owner.cookie.drop { $0 != "=" }.dropFirst())
            #expect(!logs.all.isEmpty, "the requests were logged")
            #expect(logs.all.contains { $0.contains("/console/invitations/jfi_") }, "the invitation was logged")
            for line in logs.all {
                #expect(!line.contains("Unmistakable"), "a password in the log: \(line)")
                #expect(line.firstMatch(of: /jfi_[0-9a-f]{32}_/) == nil, "an invitation token in the log: \(line)")
                #expect(!line.contains(session), "a session token in the log: \(line)")
            }
        }
        // The stored hash is bcrypt, never the password.
        let servers = try await TestServers.shared.ready()
        let hash = try await servers.database.withTenant(tenant.id) { connection -> String in
            let rows = try await connection.connection.query(
                "SELECT password_hash FROM staff_accounts WHERE email = 'owner@example.com'",
                logger: servers.logger
            )
            for try await hash in rows.decode(String.self) { return hash }
            return ""
        }
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains(password))
    }

    @Test func signInIsThrottledPerAddress() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console throttle")
        var configuration = consoleTestConfiguration
        configuration.signInFailureBurst = 2
        configuration.signInFailuresPerMinute = 1
        try await withConsole(configuration: configuration) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                let answer = try await client.attemptSignIn(tenant.id, email: "x@example.com", password: "wrong")
                statuses.append(answer.status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    @Test func changesAreAttributedToTheStaffMember() async throws {
        let (tenant, key) = try await TestServers.shared.makeTenant("console audit")
        try await Self.member(tenant.id, "cust-1")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            let made = try await client.post(
                "/console/members/cust-1/adjustments",
                form: ["_csrf": owner.csrf, "_form": formKey(), "points": "75", "reason_code": "compensation"],
                cookie: owner.cookie
            )
            #expect(made.status == .seeOther)
            let log = try await client.get(
                "/v1/audit-log?action=points.adjusted",
                headers: [.authorization: "Bearer \(key.secret.value)"]
            )
            let body = try #require(try JSONSerialization.jsonObject(with: Data(log.text.utf8)) as? [String: Any])
            let entry = try #require((body["data"] as? [[String: Any]])?.first)
            let actor = try #require(entry["actor"] as? [String: Any])
            #expect(actor["kind"] as? String == "console")
            #expect(actor["name"] as? String == "owner@example.com")
            let ledger = try await client.get(
                "/v1/members/cust-1/ledger",
                headers: [.authorization: "Bearer \(key.secret.value)"]
            )
            #expect(ledger.text.contains("console:owner@example.com"))
            // The owner's audit page shows it, attributed.
            let audit = try await client.get("/console/audit", cookie: owner.cookie)
            #expect(audit.status == .ok)
            #expect(audit.text.contains(#"data-action="points.adjusted" data-actor-kind="console""#))
            #expect(audit.text.contains("owner@example.com"))
        }
    }

    @Test func anInvitationIsUsedOnceAndNeedsAGoodPassword() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console invitations")
        let servers = try await TestServers.shared.ready()
        try await withConsole { client in
            let (_, secret) = try await servers.database.withTenant(tenant.id) {
                try await $0.inviteStaff(email: "new@example.com", role: .staff, invitedBy: "test")
            }
            let page = try await client.get("/console/invitations/\(secret.value)")
            let cookie = try page.cookie(ConsoleCookie.form)
            let short = try await client.post(
                "/console/invitations/\(secret.value)",
                form: ["_csrf": try page.csrf(), "name": "New", "password": "short", "password_confirm": "short"],
                cookie: cookie
            )
            #expect(short.status == .unprocessableContent)
            #expect(short.text.contains(#"data-field="password""#))
            let good = try await client.post(
                "/console/invitations/\(secret.value)",
                form: [
                    "_csrf": try page.csrf(), "name": "New", "password": "twelve chars ok",
                    "password_confirm": "twelve chars ok",
                ],
                cookie: cookie
            )
            #expect(good.status == .seeOther)
            #expect(try await client.get("/console/invitations/\(secret.value)").status == .notFound)
            // A token of another kind (or made up) names no invitation.
            #expect(
                try await client.get("/console/invitations/jf_\(String(repeating: "0", count: 65))").status == .notFound
            )
        }
    }
}
