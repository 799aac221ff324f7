import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@testable import JifenConsole

/// Every page renders for an owner in both languages; the program editor answers with the
/// API's own validation errors; the language follows the browser unless switched.
@Suite struct ConsolePagesTests {
    static let pages = [
        "/console/members", "/console/members?q=cust-1", "/console/members/cust-1", "/console/program",
        "/console/program?amount=259.90&currency=CNY", "/console/campaigns", "/console/journeys", "/console/reports",
        "/console/webhooks", "/console/staff", "/console/audit",
    ]

    @Test func everyPageRendersInBothLanguages() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console pages")
        try await ConsoleSecurityTests.member(tenant.id, "cust-1", email: "amy@example.com")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            for language in ["en", "zh-Hans"] {
                let cookie = owner.cookie + "; jifen_lang=\(language)"
                for path in Self.pages {
                    let page = try await client.get(path, cookie: cookie)
                    #expect(page.status == .ok, "\(path) in \(language): \(page.status)")
                    #expect(page.text.contains(#"<html lang="\#(language)">"#), "\(path)")
                    #expect(!page.text.contains("{{"), "an unrendered tag on \(path)")
                    #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                    #expect(page.headers[.cacheControl] == "no-store")
                }
            }
            let chinese = try await client.get("/console/members", cookie: owner.cookie + "; jifen_lang=zh-Hans")
            #expect(chinese.text.contains("会员"))
            let english = try await client.get("/console/members", cookie: owner.cookie)
            #expect(english.text.contains(">Members<"))
        }
    }

    @Test func idsWithAnyCharactersLinkToTheirPage() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console ids")
        try await ConsoleSecurityTests.member(tenant.id, "Cust+1@shop:a.b_c-d", email: "kehu@example.com")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            let found = try await client.get("/console/members?q=kehu%40example.com", cookie: owner.cookie)
            let link = try #require(found.first(#"<a href="(/console/members/[^"]+)">"#))
            let page = try await client.get(link.replacingOccurrences(of: "&amp;", with: "&"), cookie: owner.cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("Cust+1@shop:a.b_c-d"))
            let adjusted = try await client.post(
                link + "/adjustments",
                form: ["_csrf": owner.csrf, "_form": formKey(), "points": "7", "reason_code": "goodwill"],
                cookie: owner.cookie
            )
            #expect(adjusted.status == .seeOther)
            // Hostile values are answered with a page, never a 500.
            for bad in ["%00", "%FF", String(repeating: "x", count: 300)] {
                let answer = try await client.get("/console/members/\(bad)", cookie: owner.cookie)
                #expect(
                    [.notFound, .unprocessableContent, .badRequest].contains(answer.status),
                    "\(bad): \(answer.status)"
                )
                #expect(answer.text.contains(#"role="alert""#))
            }
            let huge = try await client.post(
                link + "/adjustments",
                form: [
                    "_csrf": owner.csrf, "_form": formKey(), "points": "99999999999999999999",
                    "reason_code": "goodwill",
                ],
                cookie: owner.cookie
            )
            #expect(huge.status == .unprocessableContent)
            let longNote = try await client.post(
                link + "/adjustments",
                form: [
                    "_csrf": owner.csrf, "_form": formKey(), "points": "1",
                    "reason_code": String(repeating: "r", count: 500),
                ],
                cookie: owner.cookie
            )
            #expect(longNote.status == .unprocessableContent)
            #expect(longNote.text.contains(#"data-field="reason_code""#))
        }
    }

    @Test func theLanguageFollowsTheBrowserUnlessSwitched() async throws {
        try await withConsole { client in
            let zh = try await client.get("/console/sign-in", headers: [.acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8"])
            #expect(zh.text.contains(#"<html lang="zh-Hans">"#))
            let en = try await client.get("/console/sign-in", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(en.text.contains(#"<html lang="en">"#))
            let switched = try await client.get("/console/language?lang=en&next=%2Fconsole%2Fsign-in")
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/console/sign-in")
            let cookie = try switched.cookie(ConsoleCookie.language)
            let chosen = try await client.get(
                "/console/sign-in",
                cookie: cookie,
                headers: [.acceptLanguage: "zh-CN"]
            )
            #expect(chosen.text.contains(#"<html lang="en">"#))
            // `next` never leaves the console.
            let away = try await client.get("/console/language?lang=en&next=https%3A%2F%2Fevil.example")
            #expect(away.headers[.location] == "/console/members")
        }
    }

    @Test func theProgramEditorShowsTheAPIsErrorsAndSavesAValidProgram() async throws {
        let (tenant, _) = try await TestServers.shared.makeTenant("console program")
        try await withConsole { client in
            let owner = try await client.join(tenant.id, email: "owner@example.com", role: .owner)
            let page = try await client.get("/console/program", cookie: owner.cookie)
            let current = try #require(page.first(#"(?s)<textarea id="program-json"[^>]*>(.*?)</textarea>"#))
            let json = current.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
                of: "&amp;",
                with: "&"
            )
            var program = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            var earning = program["earning"] as? [String: Any] ?? [:]
            earning["rate"] = ["points": -1, "per": 1]
            program["earning"] = earning
            let invalid = String(decoding: try JSONSerialization.data(withJSONObject: program), as: UTF8.self)
            let refused = try await client.post(
                "/console/program",
                form: ["_csrf": owner.csrf, "_form": formKey(), "program": invalid],
                cookie: owner.cookie
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"data-field="earning.rate.points""#))
            let broken = try await client.post(
                "/console/program",
                form: ["_csrf": owner.csrf, "_form": formKey(), "program": "{not json"],
                cookie: owner.cookie
            )
            #expect(broken.status == .badRequest || broken.status == .unprocessableContent)
            #expect(broken.text.contains(#"role="alert""#))
            earning["rate"] = ["points": 2, "per": 1]
            program["earning"] = earning
            let valid = String(decoding: try JSONSerialization.data(withJSONObject: program), as: UTF8.self)
            let form = ["_csrf": owner.csrf, "_form": formKey(), "program": valid]
            let saved = try await client.post("/console/program", form: form, cookie: owner.cookie)
            #expect(saved.status == .seeOther, "\(saved.text)")
            let version = { (page: TestResponse) in page.first(#"Version (\d+)\."#) }
            let first = version(try await client.get("/console/program", cookie: owner.cookie))
            // The same form sent again (a double click) makes no second version.
            #expect(try await client.post("/console/program", form: form, cookie: owner.cookie).status == .seeOther)
            #expect(version(try await client.get("/console/program", cookie: owner.cookie)) == first)
            #expect(first != nil)
            let preview = try await client.get("/console/program?amount=259.90&currency=CNY", cookie: owner.cookie)
            #expect(
                preview.first(#"id="preview-result" data-points="(\d+)""#) == "519",
                "259.90 at 2 points a yuan, rounded down"
            )
            let badAmount = try await client.get("/console/program?amount=12.345&currency=CNY", cookie: owner.cookie)
            #expect(badAmount.status == .unprocessableContent)
            #expect(badAmount.text.contains(#"data-field="amount""#))
        }
    }

    @Test func strangersAreSentToSignIn() async throws {
        try await withConsole { client in
            for path in ConsolePagesTests.pages {
                let answer = try await client.get(path)
                #expect(answer.status == .seeOther, "\(path)")
                #expect(answer.headers[.location]?.hasPrefix("/console/sign-in?next=") == true)
            }
            let post = try await client.post("/console/members/cust-1/adjustments", form: ["points": "1"])
            #expect(post.status == .unauthorized)
            // A forged or foreign cookie is no session.
            let forged = try await client.get(
                "/console/members",
                cookie: "jifen_console=jfs_\(String(repeating: "a", count: 32))_\(String(repeating: "b", count: 32))"
            )
            #expect(forged.status == .seeOther)
        }
    }
}
