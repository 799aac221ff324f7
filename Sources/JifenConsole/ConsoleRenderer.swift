import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import Mustache

/// A page to render: its template, title and values, and what the layout shows around it.
struct Page {
    var template: String
    var title: String
    var values: [String: Any] = [:]
    var status: HTTPResponse.Status = .ok
    var flash: String?
    var problem: JifenError?
    /// Which navigation entry is the current page (`members`, `program`, …).
    var section: String?
}

/// Renders pages with the compiled templates, in the visitor's language, with the security
/// headers every console response carries.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            try library.register(text, named: name)
        }
        self.library = library
    }

    func html(_ page: Page, language: ConsoleLanguage, session: StaffSessionView?, path: String, zone: TimeZone?)
        -> String
    {
        var context = page.values
        context["lang"] = language.rawValue
        context["t"] = language.catalogue
        context["title"] = page.title
        context["next"] = Self.queryEscaped(path)
        if let zone {
            context["zone_note"] = language.text("times_in_zone", ["zone": zone.identifier])
        }
        if let session {
            context["session"] = true
            context["staff_name"] = session.name
            context["role_label"] = language.text("role_\(session.role.rawValue)")
            context["csrf"] = session.csrfToken
            context["can_manage_staff"] = session.role.allows(.manageStaff)
        }
        if let section = page.section { context["nav_\(section)"] = true }
        if let flash = page.flash { context["flash"] = flash }
        if let problem = page.problem {
            let fields = problem.fieldErrors.map { ["field": $0.field, "message": $0.message] }
            // With field errors the list says it all; the detail would repeat the first of them.
            let message = fields.isEmpty ? problem.detail : language.text("problem_validation_failed")
            context["problem"] =
                [
                    "message": message, "has_fields": !fields.isEmpty, "fields": fields,
                ] as [String: Any]
        }
        return library.render(context, withTemplate: page.template) ?? ""
    }

    func response(
        _ page: Page,
        language: ConsoleLanguage,
        session: StaffSessionView?,
        path: String,
        zone: TimeZone?
    ) -> Response {
        let body = html(page, language: language, session: session, path: path, zone: zone)
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: page.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// No script runs (the console needs none), nothing is framed or loaded from elsewhere,
    /// forms post only here, and no page (an invitation's URL holds its token) is cached or
    /// sent as a referrer.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xFrameOptions: "DENY",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .cacheControl: "no-store",
    ]

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The signed-in user as the layout shows them.
struct StaffSessionView: Sendable {
    var name: String
    var role: StaffRole
    var csrfToken: String
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
