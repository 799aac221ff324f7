import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
import Testing

/// A grant to 10,000 members run by a real `jifen work` that is SIGKILLed midway: another worker
/// finishes it, and every member is granted exactly once.
@Suite struct CampaignCrashTests {
    static let members = 10_000
    static let points: Int64 = 7

    @Test(.timeLimit(.minutes(10)))
    func aKilledWorkersCampaignIsFinishedByAnotherExactlyOnce() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("campaign crash test")
        let campaign = try await servers.database.withTenant(tenant.id) { connection in
            try await connection.connection.query(
                """
                INSERT INTO members (tenant_id, external_id)
                SELECT \(tenant.id.rawValue), 'm-' || n FROM generate_series(1, \(Self.members)) n
                """,
                logger: servers.logger
            )
            let draft = try CampaignDraft(
                name: "Everyone",
                kind: .grant(points: Self.points, reasonCode: "launch", sendEvents: false, filter: MemberFilter())
            )
            return try await connection.createCampaign(draft)
        }
        #expect(campaign.total == Self.members)

        func progress() async throws -> Campaign? {
            try await servers.database.withTenant(tenant.id) { try await $0.campaign(campaign.id) }
        }
        let environment = [
            "JOB_QUEUE": "campaign-\(UUID().uuidString.prefix(8))", "WORKER_TENANTS": tenant.id.description,
            "JOB_VISIBILITY_TIMEOUT": "2", "SCHEDULER_INTERVAL": "0", "LOG_LEVEL": "warning",
        ]
        let first = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "campaign-a"
        )
        let started = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
            try await progress()?.done ?? 0 >= 1000
        }
        first.kill()
        try #require(started, "the first worker granted nothing: \(first.log)")
        let doneWhenKilled = try await progress()?.done ?? 0
        #expect(doneWhenKilled < Self.members, "the first worker finished before it was killed; nothing was tested")

        let second = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "campaign-b"
        )
        let finished = try await eventually(timeout: .seconds(420), every: .milliseconds(200)) {
            try await progress()?.completedAt != nil
        }
        _ = try await second.terminate()
        let final = try await progress()
        #expect(finished, "done \(final?.done ?? 0) of \(Self.members): \(second.log)")
        #expect(final?.done == Self.members && final?.total == Self.members)

        let counts: (Int64, Int64, Int64) = try await servers.database.withTenant(tenant.id) { connection in
            let rows = try await connection.connection.query(
                """
                SELECT count(*)::bigint, count(DISTINCT member_id)::bigint,
                       (SELECT coalesce(sum(available), 0)::bigint FROM balances)
                FROM ledger_entries WHERE source = 'campaign'
                """,
                logger: servers.logger
            )
            var result: (Int64, Int64, Int64) = (0, 0, 0)
            for try await row in rows.decode((Int64, Int64, Int64).self) { result = row }
            return result
        }
        let (entries, members, sum) = counts
        #expect(entries == Int64(Self.members), "one entry per member")
        #expect(members == Int64(Self.members))
        #expect(sum == Int64(Self.members) * Self.points)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant.id])
        #expect(audit.violations.isEmpty, "\(audit.violations)")
    }
}
