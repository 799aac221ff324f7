import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import Testing

/// Runs what the `order.score` job runs for one order, at `now`.
@discardableResult
func settle(_ tenant: TenantID, order: String, now: Date = Date()) async throws -> OrderSettlement? {
    try await TestServers.shared.database.withTenant(tenant) { connection in
        guard let stored = try await connection.order(try ExternalID(order)) else { return nil }
        return try await connection.settleOrder(stored.id, now: now)
    }
}

/// Runs a worker's job handler of `kind` for `tenant` with its clock set to `now`: how tests
/// move time forward instead of sleeping.
func runJob(_ kind: JobKind, tenant: TenantID, now: Date) async throws {
    let servers = try await TestServers.shared.ready()
    let handlers = PointsHandlers.all(database: servers.database, logger: servers.logger, clock: { now })
    let handler = try #require(handlers.first { $0.kind == kind })
    try await handler.handle(Job(id: "test:\(UUID())", kind: kind, tenant: tenant, payload: "{}"))
}

/// Fails the test on any ledger invariant violation of `tenant`.
func expectAuditClean(_ tenant: TenantID, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let audit = try await LedgerAudit(database: TestServers.shared.database).run(tenants: [tenant])
    #expect(audit.violations.isEmpty, "\(audit.violations)", sourceLocation: sourceLocation)
}

extension APIClient {
    /// The member's balance object.
    func balance(_ member: String, key: String) async throws -> [String: Any] {
        let body = try await send(.get, "/v1/members/\(member)", key: key).json()
        return body["balance"] as? [String: Any] ?? [:]
    }

    /// Saves a program and returns the response.
    @discardableResult
    func putProgram(_ json: String, key: String) async throws -> TestResponse {
        try await send(.put, "/v1/program", key: key, json: json)
    }

    /// A paid order, scored as the worker would: returns the points it earned.
    @discardableResult
    func paidOrder(
        _ id: String,
        member: String,
        amount: Int64 = 25_900,
        tenant: TenantID,
        key: String,
        lines: String? = nil
    ) async throws -> Int64 {
        let json = """
            {"external_id":"\(id)","member":"\(member)","currency":"CNY","amount":\(amount),"status":"paid",\
            "placed_at":"2026-11-30T08:15:00Z"\(lines.map { #","lines":\#($0)"# } ?? "")}
            """
        let response = try await send(.post, "/v1/orders", key: key, json: json)
        #expect(response.status == .created || response.status == .ok, "\(response.text)")
        return try await settle(tenant, order: id)?.award?.points ?? 0
    }
}

extension TestResponse {
    func int(_ field: String) throws -> Int? { try json()[field] as? Int }
}
