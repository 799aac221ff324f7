import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import PostgresNIO
import Testing

/// A journey step due for 3,000 members, run by a real `jifen work` that is SIGKILLed midway:
/// another worker finishes, and every member got the step at most once (exactly once here).
@Suite struct JourneyCrashTests {
    static let members = 3_000
    static let points: Int64 = 50

    @Test(.timeLimit(.minutes(10)))
    func aKilledWorkersJourneyStepIsFinishedByAnotherOncePerMember() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("journey crash test")
        let t = tenant.id.rawValue
        let journey = try await servers.database.withTenant(tenant.id) { connection in
            let draft = try JourneyDraft.validate(
                name: "Everyone",
                entry: .segment(MemberFilter(tag: "nobody-yet")),
                steps: [
                    JourneyDraft.Step(
                        waitDays: 0,
                        onlyIfNotPurchased: false,
                        action: .points(Self.points, reasonCode: "welcome_back")
                    )
                ],
                cycles: 1,
                holdoutPercent: 0,
                evaluationDays: 10,
                exitOnPurchase: true
            )
            let journey = try await connection.createJourney(draft)
            try await connection.connection.query(
                """
                INSERT INTO members (tenant_id, external_id)
                SELECT \(t), 'j-' || n FROM generate_series(1, \(Self.members)) n
                """,
                logger: servers.logger
            )
            try await connection.connection.query(
                """
                INSERT INTO journey_members (tenant_id, journey_id, member_id, held_out, entered_at, next_due_at)
                SELECT tenant_id, \(journey.id), id, false, now() - interval '1 hour', now() - interval '1 hour'
                FROM members
                """,
                logger: servers.logger
            )
            try await connection.enqueue(.advanceJourneys, payload: "{}")
            return journey
        }

        func stepped() async throws -> Int {
            try await servers.database.withTenant(tenant.id) { connection in
                let rows = try await connection.connection.query(
                    "SELECT count(*)::int FROM journey_steps WHERE journey_id = \(journey.id)",
                    logger: servers.logger
                )
                return try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
            }
        }
        let environment = [
            "JOB_QUEUE": "journeys-\(UUID().uuidString.prefix(8))", "WORKER_TENANTS": tenant.id.description,
            "JOB_VISIBILITY_TIMEOUT": "2", "SCHEDULER_INTERVAL": "0", "LOG_LEVEL": "warning",
        ]
        let first = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "journeys-a"
        )
        let started = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
            try await stepped() >= 300
        }
        first.kill()
        try #require(started, "the first worker moved nobody: \(first.log)")
        let whenKilled = try await stepped()
        #expect(whenKilled < Self.members, "the first worker finished before it was killed; nothing was tested")

        let second = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "journeys-b"
        )
        let finished = try await eventually(timeout: .seconds(420), every: .milliseconds(200)) {
            try await stepped() == Self.members
        }
        _ = try await second.terminate()
        let inTheEnd = try await stepped()
        #expect(finished, "stepped \(inTheEnd) of \(Self.members): \(second.log)")

        let (entries, distinct, sum): (Int64, Int64, Int64) = try await servers.database.withTenant(tenant.id) {
            connection in
            let rows = try await connection.connection.query(
                """
                SELECT count(*)::bigint, count(DISTINCT member_id)::bigint,
                       (SELECT coalesce(sum(available), 0)::bigint FROM balances)
                FROM ledger_entries WHERE source = 'journey'
                """,
                logger: servers.logger
            )
            var result: (Int64, Int64, Int64) = (0, 0, 0)
            for try await row in rows.decode((Int64, Int64, Int64).self) { result = row }
            return result
        }
        #expect(entries == Int64(Self.members), "one grant per member")
        #expect(distinct == Int64(Self.members))
        #expect(sum == Int64(Self.members) * Self.points)
        let audit = try await LedgerAudit(database: servers.database).run(tenants: [tenant.id])
        #expect(audit.violations.isEmpty, "\(audit.violations.prefix(5))")
    }
}
