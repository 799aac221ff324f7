import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import JifenTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

@testable import JifenWorker

/// Fast settings for tests: retries in milliseconds, quick maintenance.
func testRunnerConfiguration(maxAttempts: Int = 5, visibility: Duration = .seconds(30)) -> JobRunnerConfiguration {
    JobRunnerConfiguration(
        concurrency: 4,
        retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(100)),
        visibilityTimeout: visibility,
        maintenanceInterval: .milliseconds(20)
    )
}

/// A handler for tests: records each run, fails its first `failures` runs.
final class ScriptedHandler: JobHandler, @unchecked Sendable {
    let kind: JobKind
    private let state = NIOLockedValueBox<(runs: [ContinuousClock.Instant], failures: Int)>(([], 0))
    let delay: Duration

    init(kind: JobKind = "test.scripted", failures: Int, delay: Duration = .zero) {
        self.kind = kind
        self.delay = delay
        state.withLockedValue { $0.failures = failures }
    }

    var runs: [ContinuousClock.Instant] { state.withLockedValue { $0.runs } }
    func setFailures(_ count: Int) { state.withLockedValue { $0.failures = count } }

    func handle(_ job: Job) async throws {
        let fail = state.withLockedValue { state -> Bool in
            state.runs.append(.now)
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if fail { throw ScriptedFailure() }
    }
}

struct ScriptedFailure: Error, CustomStringConvertible {
    var description: String { "scripted failure" }
}

/// Earn entries of a tenant: how tests count scored orders.
func earnEntries(_ tenant: TenantID) async throws -> Int {
    try await TestServers.shared.database.withTenant(tenant) { connection in
        let rows = try await connection.connection.query(
            "SELECT count(*)::bigint FROM ledger_entries WHERE kind = 'earn'",
            logger: TestServers.shared.logger
        )
        return Int(try await rows.decode(Int64.self).first(where: { _ in true }) ?? 0)
    }
}

func paidOrder(_ id: String, member: String = "m-1", amount: Int64 = 25_900) throws -> OrderDraft {
    try OrderDraft.validate(
        externalID: id,
        member: member,
        currency: "CNY",
        amount: amount,
        status: .paid,
        placedAt: Date(timeIntervalSince1970: 1_800_000_000),
        paidAt: nil,
        lines: []
    )
}

/// Outbox rows of one kind for `tenant`.
func outboxRows(_ tenant: TenantID, kind: JobKind) async throws -> Int {
    try await TestServers.shared.database.withTenant(tenant) { connection in
        try await connection.connection.query(
            "SELECT count(*) FROM outbox WHERE kind = \(kind.name)",
            logger: TestServers.shared.logger
        ).decode(Int.self).first(where: { _ in true }) ?? 0
    }
}
