import Foundation
import JifenCore
import JifenPostgres
import OpenAPIRuntime

/// The API's operations called from inside the process, as a tenant, by another front end (the
/// staff console): the body is checked against the operation's schema in the spec, as
/// ``ContractMiddleware`` checks a request's, and then the same generated handler runs with the
/// same task-locals an HTTP request would set (the tenant, and the actor the audit log names).
/// So a change made in the console is validated, performed and recorded exactly as the API
/// would, and its errors are the API's errors.
public struct InProcessAPI: Sendable {
    public let handler: APIHandler
    let contract: APIContract

    public init(handler: APIHandler, specification: Data) throws {
        self.handler = handler
        self.contract = try SpecificationCache.contract(specification)
    }

    /// Runs `perform` as `tenant`, with `actor` named in the audit log.
    public func run<T>(
        tenant: TenantID,
        actor: AuditActor,
        _ perform: (APIHandler) async throws -> T
    ) async throws -> T {
        var scope = RequestScope.current
        scope.principal = .tenant(tenant)
        scope.key = nil
        return try await RequestScope.$current.withValue(scope) {
            try await AuditActor.$current.withValue(actor) { try await perform(handler) }
        }
    }

    /// Checks `json` against the body schema of `operationID` and decodes it as the
    /// generated body type: the API's 422 field errors for anything the spec refuses.
    public func body<Body: Decodable>(_ operationID: String, json: Data, as type: Body.Type) throws -> Body {
        guard let operation = contract.operations[operationID], let schema = operation.bodySchema else {
            throw JifenError(.internalError, "operation \(operationID) takes no JSON body")
        }
        try contract.checkBody(Array(json), against: schema)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Body.self, from: json)
        } catch {
            throw JifenError(.invalidJSON, "The document does not have the shape the API expects.")
        }
    }
}
