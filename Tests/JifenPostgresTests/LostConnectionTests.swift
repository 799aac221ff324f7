import Foundation
import JifenCore
import JifenTestSupport
import PostgresNIO
import Testing

@testable import JifenPostgres

/// A transaction whose connection PostgreSQL ends (a restart, a failover, an operator's
/// `pg_terminate_backend`) fails with `service-unavailable` and leaves the pool serving the next
/// one. PostgresNIO never answers a statement written to a closed connection, so before
/// PostgresConnection+checked.swift such a transaction hung in its `ROLLBACK`, for good.
///
/// The backend here ends itself: what PostgreSQL's fast shutdown does to every backend. The
/// time limit only turns a hang into a failure instead of a stuck run.
@Suite(.timeLimit(.minutes(1))) struct LostConnectionTests {
    @Test func aStatementAfterTheConnectionClosedFailsInsteadOfHanging() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let error = await #expect(throws: JifenError.self) {
            try await servers.database.withTenant(tenant.id) { connection in
                _ = try? await connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                let closed = try await eventually(timeout: .seconds(10)) { connection.connection.isClosed }
                try #require(closed, "PostgreSQL did not close the terminated backend's connection")
                return try await connection.query("SELECT 1")
            }
        }
        #expect(error?.code == .serviceUnavailable)
        try await expectThePoolServes(servers, tenant.id)
    }

    @Test func aTransactionWhoseStatementMetTheShutdownFailsWithoutRollingBack() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let error = await #expect(throws: JifenError.self) {
            try await servers.database.withTenant(tenant.id) { connection in
                try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
            }
        }
        #expect(error?.code == .serviceUnavailable)
        try await expectThePoolServes(servers, tenant.id)
    }

    @Test func aSavepointWhoseConnectionClosedFailsInsteadOfHanging() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let error = await #expect(throws: JifenError.self) {
            try await servers.database.withSharedTenantTransaction(tenant.id) { _ in
                try await servers.database.withTenant(tenant.id) { nested in
                    try await nested.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
        }
        #expect(error?.code == .serviceUnavailable)
        try await expectThePoolServes(servers, tenant.id)
    }

    /// A fresh transaction for the tenant works, on a connection that is not inside one.
    func expectThePoolServes(_ servers: TestServers, _ tenant: TenantID) async throws {
        let inTransaction = try await servers.database.withTenant(tenant) { connection in
            let rows = try await connection.query("SELECT now() = statement_timestamp()")
            return try await rows.decode(Bool.self).first(where: { _ in true })
        }
        #expect(inTransaction == false, "a fresh transaction's now() is its start, not this statement's")
    }
}
