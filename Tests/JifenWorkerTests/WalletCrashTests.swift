import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
import Testing

/// Bonus installments due for 5,000 wallets, paid by a real `jifen work` that is SIGKILLed
/// midway: another worker finishes, and every installment is paid exactly once.
@Suite struct WalletCrashTests {
    static let wallets = 5_000
    static let installment: Int64 = 1_000

    @Test(.timeLimit(.minutes(10)))
    func aKilledWorkersInstallmentsArePaidByAnotherExactlyOnce() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("wallet crash test")
        let t = tenant.id.rawValue
        // The fixture in bulk: members, empty wallets, a top-up each (its principal left out:
        // only the bonus is under test) with one installment of bonus due an hour ago.
        try await servers.database.withTenant(tenant.id) { connection in
            for statement: PostgresQuery in [
                """
                INSERT INTO members (tenant_id, external_id)
                SELECT \(t), 'w-' || n FROM generate_series(1, \(Self.wallets)) n
                """,
                "INSERT INTO wallets (tenant_id, member_id, currency) SELECT tenant_id, id, 'CNY' FROM members",
                """
                INSERT INTO wallet_top_ups (tenant_id, member_id, currency, external_id, amount, offer, bonus_total,
                                            created_at)
                SELECT tenant_id, id, 'CNY', 'pay-' || external_id, 10000,
                       '{"code":"bulk","minimum_amount":1,"bonus":\(unescaped: "\(Self.installment)"),"installments":1}',
                       \(Self.installment), now() - interval '1 day'
                FROM members
                """,
                """
                INSERT INTO wallet_installments (tenant_id, top_up_id, number, due_at, amount)
                SELECT tenant_id, id, 1, now() - interval '1 hour', \(Self.installment) FROM wallet_top_ups
                """,
            ] {
                try await connection.connection.query(statement, logger: servers.logger)
            }
            try await connection.enqueue(.sweepWallets, payload: "{}")
        }

        func paid() async throws -> Int {
            try await servers.database.withTenant(tenant.id) { connection in
                let rows = try await connection.connection.query(
                    "SELECT count(*)::int FROM wallet_installments WHERE paid_at IS NOT NULL",
                    logger: servers.logger
                )
                return try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
            }
        }
        let environment = [
            "JOB_QUEUE": "wallets-\(UUID().uuidString.prefix(8))", "WORKER_TENANTS": tenant.id.description,
            "JOB_VISIBILITY_TIMEOUT": "2", "SCHEDULER_INTERVAL": "0", "LOG_LEVEL": "warning",
        ]
        let first = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "wallets-a"
        )
        let started = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
            try await paid() >= 500
        }
        first.kill()
        try #require(started, "the first worker paid nothing: \(first.log)")
        let paidWhenKilled = try await paid()
        #expect(paidWhenKilled < Self.wallets, "the first worker finished before it was killed; nothing was tested")

        let second = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "wallets-b"
        )
        let finished = try await eventually(timeout: .seconds(420), every: .milliseconds(200)) {
            try await paid() == Self.wallets
        }
        _ = try await second.terminate()
        let paidInTheEnd = try await paid()
        #expect(finished, "paid \(paidInTheEnd) of \(Self.wallets): \(second.log)")

        let (entries, installments, bonus): (Int64, Int64, Int64) = try await servers.database.withTenant(tenant.id) {
            connection in
            let rows = try await connection.connection.query(
                """
                SELECT count(*)::bigint, count(DISTINCT source_ref)::bigint,
                       (SELECT coalesce(sum(bonus), 0)::bigint FROM wallets)
                FROM wallet_entries WHERE kind = 'bonus'
                """,
                logger: servers.logger
            )
            var result: (Int64, Int64, Int64) = (0, 0, 0)
            for try await row in rows.decode((Int64, Int64, Int64).self) { result = row }
            return result
        }
        #expect(entries == Int64(Self.wallets), "one bonus entry per installment")
        #expect(installments == Int64(Self.wallets))
        #expect(bonus == Int64(Self.wallets) * Self.installment)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant.id])
        #expect(audit.violations.isEmpty, "\(audit.violations.prefix(5))")
    }
}
