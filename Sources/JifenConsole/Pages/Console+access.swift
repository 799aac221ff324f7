import Foundation
import HTTPTypes
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres

/// Signing in and out, and joining by invitation.
extension Console {
    /// The double-submit token of the sign-in and invitation forms: the cookie's, or a new one.
    func formToken(_ request: Request) -> (token: String, cookie: String?) {
        if let token = ConsoleCookie.value(ConsoleCookie.form, in: request), token.utf8.count == 32 {
            return (token, nil)
        }
        let token = APIKeySecret.randomText()
        let cookie = ConsoleCookie.header(ConsoleCookie.form, token, maxAge: nil, secure: configuration.secureCookies)
        return (token, cookie)
    }

    /// A form posted with no session yet (sign-in, invitation) carries the form cookie's token.
    func checkFormToken(_ visit: Visit) throws {
        try checkForgery(visit, expected: ConsoleCookie.value(ConsoleCookie.form, in: visit.request) ?? "")
    }

    /// A posted form's `_csrf` against the token it must carry, in constant time; and never a
    /// form that another site sent. Every form post passes here before anything runs.
    func checkForgery(_ visit: Visit, expected: String) throws {
        let crossSite = visit.request.headers[.secFetchSite] == "cross-site"
        guard !expected.isEmpty, !crossSite, ConstantTime.equal(visit.form["_csrf"], expected) else {
            throw JifenError(.forbidden, visit.text("csrf_refused"))
        }
    }

    func signInForm(_ visit: Visit, status: HTTPResponse.Status = .ok, problem: JifenError? = nil) async throws
        -> Response
    {
        if problem == nil, try await resolveSession(visit.request) != nil {
            return Self.redirect(Self.safeNext(visit.query["next"]))
        }
        let (token, cookie) = formToken(visit.request)
        let values: [String: Any] = [
            "form_token": token,
            "shop": visit.form.fields["shop"] ?? visit.query["shop"] ?? "",
            "email": visit.form.fields["email"] ?? "",
            "next_path": Self.safeNext(visit.form.fields["next"] ?? visit.query["next"]),
        ]
        return page(
            Page(template: "sign-in", title: visit.text("sign_in"), values: values, status: status, problem: problem),
            visit,
            cookies: cookie.map { [$0] } ?? []
        )
    }

    func signIn(_ visit: Visit) async throws -> Response {
        var visit = visit
        visit.form = try await FormBody.read(visit.request)
        try checkFormToken(visit)
        let client = visit.context.clientAddress(visit.request, trustForwardedFor: configuration.trustForwardedFor)
        if let wait = failures.refusal(for: client) {
            return try await signInForm(
                visit,
                status: .tooManyRequests,
                problem: JifenError(.rateLimited, visit.text("sign_in_throttled", ["seconds": String(wait)]))
            )
        }
        let refused = JifenError(.unauthorized, visit.text("sign_in_refused"))
        guard let tenant = TenantID(visit.form["shop"].trimmingCharacters(in: .whitespaces)),
            let email = try? StaffCredentials.email(visit.form["email"])
        else {
            failures.recordFailure(for: client)
            _ = await Password.verify(visit.form["password"], hash: decoyHash)
            return try await signInForm(visit, status: .unauthorized, problem: refused)
        }
        let found = try await database.withTenant(tenant) { try await $0.staffForSignIn(email: email) }
        let valid = await Password.verify(visit.form["password"], hash: found?.passwordHash ?? decoyHash)
        guard let (account, _) = found, valid else {
            failures.recordFailure(for: client)
            logger.notice("console sign-in refused", metadata: ["tenant_id": "\(tenant)"])
            return try await signInForm(visit, status: .unauthorized, problem: refused)
        }
        let (token, _) = try await database.withTenant(tenant) {
            try await $0.startSession(staff: account.id, lifetime: configuration.sessionLifetime)
        }
        logger.info("console sign-in", metadata: ["tenant_id": "\(tenant)", "staff": "\(account.id)"])
        let cookie = ConsoleCookie.header(
            ConsoleCookie.session,
            token.value,
            maxAge: Int(configuration.sessionLifetime.components.seconds),
            secure: configuration.secureCookies
        )
        return Self.redirect(Self.safeNext(visit.form["next"]), cookies: [cookie])
    }

    func signOut(_ visit: Visit) async throws -> Response {
        let cleared = ConsoleCookie.header(ConsoleCookie.session, "", maxAge: 0, secure: configuration.secureCookies)
        guard let cookie = ConsoleCookie.value(ConsoleCookie.session, in: visit.request),
            let secret = APIKeySecret(cookie, scheme: APIKeySecret.sessionScheme),
            let (session, _) = try await resolveSession(visit.request)
        else { return Self.redirect("/console/sign-in", cookies: [cleared]) }
        var visit = visit
        visit.form = try await FormBody.read(visit.request)
        try checkForgery(visit, expected: session.csrfToken)
        try await database.withTenant(secret.tenant) { try await $0.endSession(secret) }
        return Self.redirect("/console/sign-in?shop=\(secret.tenant)", cookies: [cleared])
    }

    func invitation(_ visit: Visit) async throws -> (APIKeySecret, StaffAccount) {
        guard let secret = APIKeySecret(try visit.parameter("token"), scheme: APIKeySecret.invitationScheme),
            let account = try await database.withTenant(secret.tenant, { try await $0.staffInvited(by: secret) })
        else {
            throw JifenError.notFound(visit.text("invitation_invalid"))
        }
        return (secret, account)
    }

    func invitationForm(_ visit: Visit, status: HTTPResponse.Status = .ok, problem: JifenError? = nil) async throws
        -> Response
    {
        let (secret, account) = try await invitation(visit)
        let (token, cookie) = formToken(visit.request)
        let values: [String: Any] = [
            "form_token": token,
            "token": secret.value,
            "name": visit.form.fields["name"] ?? "",
            "invitation_note": visit.text(
                "invitation_note",
                ["email": account.email, "role": visit.text("role_\(account.role.rawValue)")]
            ),
        ]
        return page(
            Page(
                template: "invitation",
                title: visit.text("join_title"),
                values: values,
                status: status,
                problem: problem
            ),
            visit,
            cookies: cookie.map { [$0] } ?? []
        )
    }

    func acceptInvitation(_ visit: Visit) async throws -> Response {
        var visit = visit
        visit.form = try await FormBody.read(visit.request)
        try checkFormToken(visit)
        let (secret, _) = try await invitation(visit)
        let name: String
        let password: String
        do {
            name = try StaffCredentials.name(visit.form["name"])
            password = try StaffCredentials.password(
                visit.form["password"],
                confirmation: visit.form["password_confirm"]
            )
        } catch {
            return try await invitationForm(visit, status: .unprocessableContent, problem: error)
        }
        let hash = await Password.hash(password, cost: configuration.bcryptCost)
        guard
            try await database.withTenant(
                secret.tenant,
                {
                    try await $0.acceptInvitation(secret, name: name, passwordHash: hash)
                }
            ) != nil
        else { throw JifenError.notFound(visit.text("invitation_invalid")) }
        return Self.redirect("/console/sign-in?shop=\(secret.tenant)")
    }
}
