import Foundation
import HTTPTypes
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres
import Logging

/// The staff console served by `jifen serve` under `/console` (docs/console.md): pages
/// rendered on the server over the API's own handlers (``InProcessAPI``), so every change a
/// member of staff makes is validated, performed and audited as the API would, attributed to
/// them.
public struct Console: Sendable {
    let configuration: ConsoleConfiguration
    let database: Database
    let api: InProcessAPI
    let renderer: ConsoleRenderer
    let failures: FailedAuthLimiter
    /// See ``Password/decoy(cost:)``.
    let decoyHash: String
    let logger: Logger

    init(configuration: ConsoleConfiguration, database: Database, api: InProcessAPI, logger: Logger) throws {
        self.configuration = configuration
        self.database = database
        self.api = api
        self.renderer = try ConsoleRenderer()
        self.failures = FailedAuthLimiter(
            burst: configuration.signInFailureBurst,
            perMinute: configuration.signInFailuresPerMinute
        )
        self.decoyHash = Password.decoy(cost: configuration.bcryptCost)
        self.logger = logger
    }

    /// What `jifen serve` passes to ``APIApplication`` to serve the console beside the API.
    public static func mount(
        configuration: ConsoleConfiguration,
        database: Database,
        specification: Data,
        logger: Logger
    ) -> APIApplication.Mount {
        { router, handler in
            let console = try Console(
                configuration: configuration,
                database: database,
                api: InProcessAPI(handler: handler, specification: specification),
                logger: logger
            )
            console.register(on: router)
        }
    }

    func register(on router: Router<JifenRequestContext>) {
        let group = router.group("console")
        group.get { _, _ in Self.redirect("/console/members") }
        group.get("assets/console.css") { _, _ in
            var headers: HTTPFields = [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"]
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Stylesheet.css)))
        }
        group.get("language") { request, context in self.switchLanguage(request) }
        group.get("sign-in") { request, context in await self.visit(request, context) { try await self.signInForm($0) }
        }
        group.post("sign-in") { request, context in await self.visit(request, context) { try await self.signIn($0) } }
        group.post("sign-out") { request, context in await self.visit(request, context) { try await self.signOut($0) } }
        group.get("invitations/:token") { request, context in
            await self.visit(request, context) { try await self.invitationForm($0) }
        }
        group.post("invitations/:token") { request, context in
            await self.visit(request, context) { try await self.acceptInvitation($0) }
        }
        group.get("members") { request, context in
            await self.signedIn(request, context, .read) { try await self.membersPage($0) }
        }
        group.get("members/:member") { request, context in
            await self.signedIn(request, context, .read) { try await self.memberPage($0) }
        }
        group.post("members/:member/adjustments") { request, context in
            await self.signedIn(request, context, .adjustPoints) { try await self.adjust($0) }
        }
        group.get("program") { request, context in
            await self.signedIn(request, context, .read) { try await self.programPage($0) }
        }
        group.post("program") { request, context in
            await self.signedIn(request, context, .editProgram) { try await self.saveProgram($0) }
        }
        group.get("campaigns") { request, context in
            await self.signedIn(request, context, .read) { try await self.campaignsPage($0) }
        }
        group.get("journeys") { request, context in
            await self.signedIn(request, context, .read) { try await self.journeysPage($0) }
        }
        group.get("reports") { request, context in
            await self.signedIn(request, context, .read) { try await self.reportsPage($0) }
        }
        group.get("webhooks") { request, context in
            await self.signedIn(request, context, .read) { try await self.webhooksPage($0) }
        }
        group.post("webhooks/deliveries/:delivery/replay") { request, context in
            await self.signedIn(request, context, .replayDeliveries) { try await self.replay($0) }
        }
        group.get("audit") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.auditPage($0) }
        }
        group.get("staff") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.staffPage($0) }
        }
        group.post("staff") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.invite($0) }
        }
        group.post("staff/:staff/role") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.changeRole($0) }
        }
        group.post("staff/:staff/disable") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.disable($0) }
        }
        group.post("staff/:staff/sessions/revoke") { request, context in
            await self.signedIn(request, context, .manageStaff) { try await self.revokeSessions($0) }
        }
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Only paths inside the console, so a crafted `next` cannot send anyone elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return "/console/members" }
        return next
    }

    func switchLanguage(_ request: Request) -> Response {
        let query = FormBody.parse(String(request.uri.query ?? ""))
        let language = ConsoleLanguage(rawValue: query["lang"] ?? "") ?? .en
        let cookie = ConsoleCookie.header(
            ConsoleCookie.language,
            language.rawValue,
            maxAge: 365 * 24 * 3600,
            secure: configuration.secureCookies
        )
        return Self.redirect(Self.safeNext(query["next"]), cookies: [cookie])
    }
}
