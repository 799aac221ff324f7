import Foundation
import HTTPTypes
import JifenCore
import JifenPostgres
import OpenAPIRuntime

/// The first thing every generated operation runs, once the router has matched it:
/// 1. **Who may call** — the operation's `security` from the spec against the caller that
///    ``AuthMiddleware`` identified. An operation missing from the table is refused (closed
///    by default).
/// 2. **What it takes** — every constraint the spec declares on its query and path parameters
///    and its JSON body: a value the spec refuses is a 400 (parameters) or 422 (body) before
///    any handler logic, and a body that is not `application/json` is a 415.
struct ContractMiddleware: ServerMiddleware {
    let contract: APIContract

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = contract.operations[operationID] else {
            throw JifenError(.notFound, "No such route.")
        }
        try Self.authorize(operation.access, RequestScope.current.principal)
        try Self.authorize(operation.scope, RequestScope.current.key)
        try checkPath(metadata, operation)
        try checkQuery(request.path ?? "", operation)
        if operation.streamedBodyLimit != nil {
            // A raw file, streamed to the handler: only its media type is checked here.
            let type =
                request.headerFields[.contentType]?.split(separator: ";", maxSplits: 1).first?
                .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard operation.bodyContentTypes.contains(type) else {
                throw JifenError(
                    .unsupportedMediaType,
                    "Send the file as \(operation.bodyContentTypes.joined(separator: " or "))."
                )
            }
            return try await next(request, body, metadata)
        }
        guard let schema = operation.bodySchema else { return try await next(request, body, metadata) }
        let bytes = try await Self.collect(body)
        if bytes.isEmpty {
            if operation.bodyRequired {
                if request.headerFields[.contentType] == nil {
                    throw JifenError(.unsupportedMediaType, "Send the body as application/json.")
                }
                throw JifenError(.invalidJSON, "The body is empty; this operation needs a JSON document.")
            }
            // The original body was read to find it empty: it cannot be read again.
            return try await next(request, nil, metadata)
        }
        guard let contentType = request.headerFields[.contentType], Self.isJSON(contentType) else {
            throw JifenError(
                .unsupportedMediaType,
                "Send the body as application/json (Content-Type: application/json)."
            )
        }
        try contract.checkBody(bytes, against: schema)
        return try await next(request, HTTPBody(bytes), metadata)
    }

    static func authorize(_ access: APIContract.Access, _ principal: RequestScope.Principal) throws(JifenError) {
        switch (access, principal) {
        case (.public, _), (.tenant, .tenant), (.operator, .operator): return
        case (.tenant, _): throw JifenError(.unauthorized, "The API key is missing, unknown or revoked.")
        case (.operator, _): throw JifenError(.unauthorized, "The operator token is missing or wrong.")
        }
    }

    /// A tenant operation's scope against the key's: a valid key without it is a 403 naming
    /// the scope, so the shop knows which key to use.
    static func authorize(_ scope: APIScope?, _ key: AuthenticatedKey?) throws(JifenError) {
        guard let scope, let key, !key.scopes.contains(scope) else { return }
        throw JifenError(.forbidden, "This API key lacks the '\(scope.rawValue)' scope this operation needs.")
    }

    /// `application/json`, with or without parameters, or a `+json` type.
    static func isJSON(_ contentType: String) -> Bool {
        let type =
            contentType.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// A path parameter with NUL or another control character cannot name anything that
    /// exists: 404, as an unknown id would be, where the operation looks something up; where
    /// it documents no 404 (`PUT /v1/members/{member}` creates what it names), 422 naming the
    /// parameter, as the handler's own id validation answers a malformed id.
    func checkPath(_ metadata: ServerRequestMetadata, _ operation: APIContract.Operation) throws(JifenError) {
        for parameter in operation.parameters where parameter.location == "path" {
            guard let raw = metadata.pathParameters[parameter.name] else { continue }
            let text = String(raw).removingPercentEncoding ?? String(raw)
            if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                guard operation.answersNotFound else {
                    throw JifenError.invalid(parameter.name, "must not contain control characters")
                }
                throw JifenError.notFound("no \(parameter.name) '\(Self.printable(text))'")
            }
        }
    }

    func checkQuery(_ path: String, _ operation: APIContract.Operation) throws(JifenError) {
        let query = path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var values: [String: [String]] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw JifenError(.badRequest, "The query string is not valid percent-encoding.")
            }
            values[name, default: []].append(value)
        }
        var errors: [FieldError] = []
        for parameter in operation.parameters where parameter.location == "query" {
            let schema = contract.validator.resolve(parameter.schema)
            guard let given = values[parameter.name] else {
                if parameter.required { errors.append(FieldError(field: parameter.name, message: "is required")) }
                continue
            }
            let value: JSONValue
            if schema["type"]?.string == "array" {
                let itemSchema = contract.validator.resolve(schema["items"] ?? .map([]))
                value = .array(given.map { Self.value($0, schema: itemSchema) })
            } else if given.count > 1 {
                errors.append(FieldError(field: parameter.name, message: "must be given once"))
                continue
            } else {
                value = Self.value(given[0], schema: schema)
            }
            contract.validator.validate(value, against: parameter.schema, at: parameter.name, into: &errors)
        }
        if !errors.isEmpty {
            throw JifenError(
                .badRequest,
                errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
                fieldErrors: errors
            )
        }
    }

    /// A parameter's text as the JSON value it stands for, so one validator serves both.
    static func value(_ text: String, schema: SpecValue) -> JSONValue {
        switch schema["type"]?.string {
        case "integer", "number":
            return Decimal(string: text) != nil && text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
                && !text.hasPrefix("+") ? .number(text) : .string(text)
        case "boolean":
            return text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
        default:
            return .string(text)
        }
    }

    static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// For messages: no control characters echoed back.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(200)
        )
    }

    /// ``BodyLimitMiddleware`` has bounded the body already; collecting it here cannot exceed
    /// that bound, and an error doing so means the client's body was cut or too large.
    static func collect(_ body: HTTPBody?) async throws -> [UInt8] {
        guard let body else { return [] }
        do {
            return try await [UInt8](collecting: body, upTo: BodyLimitMiddleware<JifenRequestContext>.maxBodySize)
        } catch {
            throw JifenError(.payloadTooLarge, "The body is larger than 1 MiB.")
        }
    }
}
