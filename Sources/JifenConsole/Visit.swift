import Foundation
import HTTPTypes
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres

/// One console request as the pages see it: who (if signed in), in which language, the posted
/// form, and how the shop writes times and money.
struct Visit: Sendable {
    let request: Request
    let context: JifenRequestContext
    let language: ConsoleLanguage
    var session: StaffSession?
    var form = FormBody(fields: [:])
    var query: [String: String]
    /// The shop's current program, read with the session: its zone and currency.
    var program: Program?

    var zone: TimeZone? { program?.zone }
    /// The program's currency, when it has one (money elsewhere is in each order's own).
    var currency: String? { program?.currency?.code }

    var path: String { request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") }
    var format: ConsoleFormat { ConsoleFormat(zone: zone ?? .gmt, language: language) }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { language.text(key, values) }

    /// An API value (`paid`, `adjust`) in words: the catalogue's `<group>_<value>`, or the value
    /// itself for one added to the API after the catalogue.
    func label(_ group: String, _ value: String) -> String {
        language.catalogue["\(group)_\(value)"] ?? value
    }

    func parameter(_ name: String) throws -> String {
        guard let value = context.parameters.get(name) else { throw JifenError.notFound("no \(name)") }
        // The router hands over the path segment as sent, which a client may have escaped.
        return value.removingPercentEncoding ?? value
    }

    /// The signed-in user; pages behind ``Console/signedIn`` always have one.
    func staff() throws -> StaffSession {
        guard let session else { throw JifenError(.unauthorized, "Sign in first.") }
        return session
    }

    var sessionView: StaffSessionView? {
        session.map { StaffSessionView(name: $0.staff.name, role: $0.staff.role, csrfToken: $0.csrfToken) }
    }

    /// Who the audit log names for what this visit changes.
    var actor: AuditActor {
        guard let session else { return .system }
        return AuditActor(
            kind: .console,
            id: session.staff.id.uuidString.lowercased(),
            name: session.staff.email,
            requestID: RequestScope.current.requestID
        )
    }
}

extension Console {
    func page(_ page: Page, _ visit: Visit, cookies: [String] = []) -> Response {
        var response = renderer.response(
            page,
            language: visit.language,
            session: visit.sessionView,
            path: visit.path,
            zone: visit.zone
        )
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    func errorPage(_ error: JifenError, _ visit: Visit) -> Response {
        let key = "problem_" + error.code.slug.replacingOccurrences(of: "-", with: "_")
        let title = visit.language.catalogue[key] ?? visit.text("problem_generic")
        return page(Page(template: "error", title: title, status: error.status, problem: error), visit)
    }

    func start(_ request: Request, _ context: JifenRequestContext) -> Visit {
        let language = ConsoleLanguage.negotiate(
            cookie: ConsoleCookie.value(ConsoleCookie.language, in: request),
            acceptLanguage: request.headers[.acceptLanguage]
        )
        return Visit(
            request: request,
            context: context,
            language: language,
            query: FormBody.parse(String(request.uri.query ?? ""))
        )
    }

    /// A page anyone may open (sign-in, invitations); errors become pages, never a 500 body.
    func visit(
        _ request: Request,
        _ context: JifenRequestContext,
        _ body: (Visit) async throws -> Response
    ) async -> Response {
        let visit = start(request, context)
        do {
            return try await body(visit)
        } catch {
            return failure(error, visit)
        }
    }

    /// A page for signed-in staff whose role allows `permission`. A form post must carry the
    /// session's CSRF token and not come from another site; otherwise 403 before anything runs.
    func signedIn(
        _ request: Request,
        _ context: JifenRequestContext,
        _ permission: ConsolePermission,
        _ body: (Visit) async throws -> Response
    ) async -> Response {
        var visit = start(request, context)
        do {
            guard let (session, program) = try await resolveSession(request) else {
                return request.method == .get
                    ? Self.redirect("/console/sign-in?next=" + ConsoleRenderer.queryEscaped(visit.path))
                    : errorPage(JifenError(.unauthorized, visit.text("signed_out")), visit)
            }
            visit.session = session
            visit.program = program
            if request.method == .post {
                visit.form = try await FormBody.read(request)
                try checkForgery(visit, expected: session.csrfToken)
            }
            guard session.staff.role.allows(permission) else {
                return errorPage(JifenError(.forbidden, visit.text("role_refused")), visit)
            }
            let actor = visit.actor
            return try await AuditActor.$current.withValue(actor) { try await body(visit) }
        } catch {
            return failure(error, visit)
        }
    }

    func failure(_ error: any Error, _ visit: Visit) -> Response {
        if let error = error as? JifenError { return errorPage(error, visit) }
        logger.error("console page failed", metadata: ["path": "\(visit.request.uri.path)", "error": "\(error)"])
        return errorPage(JifenError(.internalError, visit.text("problem_internal")), visit)
    }

    /// The live session of the request's cookie and its tenant's program (for the zone).
    func resolveSession(_ request: Request) async throws -> (StaffSession, Program)? {
        guard let cookie = ConsoleCookie.value(ConsoleCookie.session, in: request),
            let secret = APIKeySecret(cookie, scheme: APIKeySecret.sessionScheme)
        else { return nil }
        return try await database.withTenant(secret.tenant) { connection -> (StaffSession, Program)? in
            guard let session = try await connection.session(secret, idle: configuration.idleTimeout) else {
                return nil
            }
            return (session, try await connection.program())
        }
    }

    /// Runs an API operation as the signed-in user's tenant, attributed to them.
    func call<T>(_ visit: Visit, _ perform: (APIHandler) async throws -> T) async throws -> T {
        let session = try visit.staff()
        return try await api.run(tenant: session.tenant, actor: visit.actor, perform)
    }

    func withTenant<T: Sendable>(_ visit: Visit, _ body: (TenantConnection) async throws -> T) async throws -> T {
        try await database.withTenant(try visit.staff().tenant, body)
    }
}
