import Foundation
import JifenCore

/// What `openapi/openapi.yaml` says about each operation, read once at start-up: who may call
/// it and what input it takes. The generated router finds the operation; this table decides
/// from the operation id, so access and input rules follow the matched route, never a string
/// test on the raw path (a path the router normalises, like `//admin/tenants`, reaches the
/// same operation and so the same check).
struct APIContract: Sendable {
    /// Which credential an operation takes, from its `security` (or the document's).
    enum Access: Sendable, Equatable {
        case `public`
        case tenant
        case `operator`
    }

    struct Parameter: Sendable {
        var name: String
        var location: String
        var required: Bool
        var schema: SpecValue
    }

    struct Operation: Sendable {
        var id: String
        var access: Access
        /// For a tenant operation, the scope the key must hold (`tenantKey: [write]`).
        var scope: APIScope?
        var parameters: [Parameter]
        /// The `application/json` schema of the request body, if the operation takes one.
        var bodySchema: SpecValue?
        var bodyRequired: Bool
        /// Whether the spec documents a 404 for it (a path id that names nothing).
        var answersNotFound: Bool
        /// `x-jifen-max-body-bytes`: the operation takes a raw body streamed to its handler
        /// (an import's file) up to this size, instead of a JSON document of at most 1 MiB.
        var streamedBodyLimit: Int? = nil
        /// The media types its request body may have.
        var bodyContentTypes: [String] = []
    }

    let operations: [String: Operation]
    /// Operation ids by route, `"POST /v1/imports"` (the path template as the router names the
    /// route it matched), for the router middlewares that run before the generated handler.
    let routes: [String: String]
    let validator: SchemaValidator
    /// Every path template's segments (`{…}` matches any one segment) and its methods, for
    /// answering a known path's unsupported method with 405 and `Allow`.
    let paths: [(segments: [String], methods: [String])]

    init(yaml: Data) throws {
        let document = try SpecValue(yaml: yaml)
        try self.init(document: document)
    }

    init(document: SpecValue) throws {
        let validator = try SchemaValidator(document: document)
        let defaultAccess = try Self.access(document["security"], operation: "(document)")
        var operations: [String: Operation] = [:]
        var paths: [(segments: [String], methods: [String])] = []
        var routes: [String: String] = [:]
        for (path, item) in document["paths"]?.pairs ?? [] {
            paths.append(
                (
                    path.split(separator: "/").map(String.init),
                    item.pairs.map(\.key).filter(Self.methods.contains).map { $0.uppercased() }
                )
            )
            let shared = item["parameters"]?.items ?? []
            for (method, operation) in item.pairs where Self.methods.contains(method) {
                guard let id = operation["operationId"]?.string else { continue }
                var parameters: [String: Parameter] = [:]
                for raw in shared + (operation["parameters"]?.items ?? []) {
                    let parameter = validator.resolve(raw)
                    guard let name = parameter["name"]?.string, let location = parameter["in"]?.string else {
                        continue
                    }
                    parameters["\(location):\(name)"] = Parameter(
                        name: name,
                        location: location,
                        required: parameter["required"]?.string == "true",
                        schema: parameter["schema"] ?? .map([])
                    )
                }
                let body = operation["requestBody"].map(validator.resolve)
                let security = operation["security"] ?? document["security"]
                routes["\(method.uppercased()) \(path)"] = id
                operations[id] = Operation(
                    id: id,
                    access: try operation["security"].map { try Self.access($0, operation: id) } ?? defaultAccess,
                    scope: try Self.scope(security, operation: id),
                    parameters: Array(parameters.values),
                    bodySchema: body?["content"]?["application/json"]?["schema"],
                    bodyRequired: body?["required"]?.string == "true",
                    answersNotFound: operation["responses"]?["404"] != nil,
                    streamedBodyLimit: operation["x-jifen-max-body-bytes"]?.string.flatMap { Int($0) },
                    bodyContentTypes: body?["content"]?.pairs.map(\.key) ?? []
                )
            }
        }
        self.operations = operations
        self.routes = routes
        self.validator = validator
        self.paths = paths
    }

    /// The operation the router matched (`context.endpointPath`), if the spec has it.
    func operation(method: String, endpointPath: String?) -> Operation? {
        guard let endpointPath, let id = routes["\(method) \(endpointPath)"] else { return nil }
        return operations[id]
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// The methods the spec has for a concrete path, or `nil` for a path it does not know.
    func methods(forPath path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        for (template, methods) in paths where template.count == segments.count {
            let matches = zip(template, segments).allSatisfy { pattern, segment in
                (pattern.hasPrefix("{") && pattern.hasSuffix("}") && !segment.isEmpty) || pattern == segment
            }
            if matches { return methods }
        }
        return nil
    }

    /// The one scope a `tenantKey` requirement names (`- tenantKey: [write]`), as OpenAPI 3.1
    /// allows role names for non-OAuth schemes. A tenant operation without exactly one known
    /// scope is a spec error, found at start-up: no operation is open to every key by omission.
    static func scope(_ security: SpecValue?, operation: String) throws -> APIScope? {
        guard let requirement = security?.items.first, let names = requirement["tenantKey"] else { return nil }
        let scopes = names.items.compactMap(\.string)
        guard scopes.count == 1, let scope = APIScope(rawValue: scopes[0]) else {
            throw JifenError.invalid(
                "openapi",
                "operation \(operation) must name exactly one scope of \(APIScope.allCases.map(\.rawValue)), not \(scopes)"
            )
        }
        return scope
    }

    /// `security: []` is public; otherwise the one scheme the operation names. Jifen's
    /// operations each take exactly one credential, so anything else is a spec error.
    static func access(_ security: SpecValue?, operation: String) throws -> Access {
        guard let requirements = security?.items, !requirements.isEmpty else { return .public }
        let schemes = Set(requirements.flatMap { $0.pairs.map(\.key) })
        switch schemes {
        case ["tenantKey"]: return .tenant
        case ["operatorToken"]: return .operator
        default:
            throw JifenError.invalid("openapi", "operation \(operation) names unknown security \(schemes.sorted())")
        }
    }

    /// A JSON body against the operation's schema: 400 `invalid-json` for text that is not
    /// JSON, 422 with every field the spec refuses. The API's requests and the console's forms
    /// (``InProcessAPI``) are checked by this one function.
    func checkBody(_ bytes: [UInt8], against schema: SpecValue) throws(JifenError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw JifenError(.invalidJSON, "The body is not valid JSON: \(error.message).")
        }
        var errors: [FieldError] = []
        validator.validate(document, against: schema, at: "", into: &errors)
        if !errors.isEmpty {
            throw JifenError.validation(
                errors.map { $0.field.isEmpty ? FieldError(field: "body", message: $0.message) : $0 }
            )
        }
    }
}
