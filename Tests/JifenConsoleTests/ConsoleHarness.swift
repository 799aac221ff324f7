import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JifenAPI
import JifenCore
import JifenPostgres
import JifenTestSupport
import Logging
import NIOConcurrencyHelpers

@testable import JifenConsole

/// bcrypt at its lowest cost so the tests stay quick; limits out of the way except where a
/// test sets its own.
let consoleTestConfiguration = ConsoleConfiguration(
    bcryptCost: 4,
    signInFailureBurst: 1_000_000,
    signInFailuresPerMinute: 1_000_000
)

/// Runs `body` against the real router (the API and the console mounted on it) backed by the
/// real PostgreSQL and Redis.
func withConsole<T: Sendable>(
    configuration: ConsoleConfiguration = consoleTestConfiguration,
    logger: Logger? = nil,
    _ body: @Sendable (ConsoleClient) async throws -> T
) async throws -> T {
    let servers = try await TestServers.shared.ready()
    let logger = logger ?? servers.logger
    let specification = try Data(contentsOf: servers.repositoryRoot.appendingPathComponent("openapi/openapi.yaml"))
    let router = try APIApplication.router(
        configuration: APIConfiguration(
            operatorToken: "test-operator-token-of-at-least-32-chars",
            defaultRateLimit: RateLimit(perSecond: 100_000, burst: 1_000_000),
            authFailureBurst: 1_000_000,
            authFailuresPerMinute: 1_000_000
        ),
        database: servers.database,
        redis: servers.redis,
        specification: specification,
        mount: Console.mount(
            configuration: configuration,
            database: servers.database,
            specification: specification,
            logger: logger
        ),
        logger: logger
    )
    let app = Application(router: router, logger: logger)
    return try await app.test(.router) { client in try await body(ConsoleClient(client: client)) }
}

/// A signed-in member of staff: their session cookie and the CSRF token of their forms.
struct StaffLogin: Sendable {
    var tenant: TenantID
    var email: String
    var cookie: String
    var csrf: String
}

struct ConsoleClient: Sendable {
    let client: any TestClientProtocol

    func get(_ uri: String, cookie: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    func post(
        _ uri: String,
        form: [String: String],
        cookie: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        let body = form.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Invites `email` through the store (as the operator's CLI does), accepts the invitation
    /// and signs in through the pages, as a browser would.
    func join(
        _ tenant: TenantID,
        email: String,
        role: StaffRole,
        password: String = "a long enough password"
    ) async throws -> StaffLogin {
        let servers = try await TestServers.shared.ready()
        let (_, secret) = try await servers.database.withTenant(tenant) {
            try await $0.inviteStaff(email: email, role: role, invitedBy: "test")
        }
        let invitation = try await get("/console/invitations/\(secret.value)")
        try expect(invitation.status == .ok, "invitation page: \(invitation.status)")
        let formCookie = try invitation.cookie(ConsoleCookie.form)
        let accepted = try await post(
            "/console/invitations/\(secret.value)",
            form: [
                "_csrf": try invitation.csrf(), "name": "Staff \(role.rawValue)", "password": password,
                "password_confirm": password,
            ],
            cookie: formCookie
        )
        try expect(accepted.status == .seeOther, "accepting: \(accepted.status) \(accepted.text)")
        return try await signIn(tenant, email: email, password: password)
    }

    /// Sends the sign-in form as a browser would (with the form's token and cookie).
    func attemptSignIn(_ tenant: TenantID, email: String, password: String) async throws -> TestResponse {
        let form = try await get("/console/sign-in?shop=\(tenant)")
        return try await post(
            "/console/sign-in",
            form: ["_csrf": try form.csrf(), "shop": "\(tenant)", "email": email, "password": password],
            cookie: try form.cookie(ConsoleCookie.form)
        )
    }

    func signIn(_ tenant: TenantID, email: String, password: String) async throws -> StaffLogin {
        let signedIn = try await attemptSignIn(tenant, email: email, password: password)
        try expect(signedIn.status == .seeOther, "sign-in: \(signedIn.status)")
        let cookie = try signedIn.cookie(ConsoleCookie.session)
        let page = try await get("/console/members", cookie: cookie)
        return StaffLogin(tenant: tenant, email: email, cookie: cookie, csrf: try page.csrf())
    }
}

/// A fresh one-time form key, as the adjustment form carries.
func formKey() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "") }

struct ConsoleTestFailure: Error, CustomStringConvertible { var description: String }

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConsoleTestFailure(description: message()) }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// `name=value` of the cookie this response sets, ready for a `Cookie` header.
    func cookie(_ name: String) throws -> String {
        for value in headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.prefix { $0 != ";" })
        }
        throw ConsoleTestFailure(description: "no \(name) cookie in \(headers)")
    }

    /// The first form's `_csrf` value.
    func csrf() throws -> String {
        guard let value = first(#"name="_csrf" value="([^"]*)""#) else {
            throw ConsoleTestFailure(description: "no _csrf field in the page")
        }
        return value
    }

    /// The first capture group of `pattern` in the body.
    func first(_ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }
}

/// Every line logged while a test ran, to prove what never appears in them.
final class CapturedLogs: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    var all: [String] { lines.withLockedValue { $0 } }

    func logger() -> Logger {
        var logger = Logger(label: "console-test") { _ in CapturingHandler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        sink.append("\(event.level) \(event.message) \(merged)")
    }
}
