import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import NIOCore
import Testing

/// A real `jifen work` process is SIGKILLed in the middle of an import of 100,000 historical
/// orders; another finishes it. Every row is imported exactly once, and importing the same file
/// again imports nothing.
@Suite struct ImportCrashTests {
    static func orders(_ tenant: TenantID) async throws -> Int64 {
        try await TestServers.shared.database.withTenant(tenant) { connection in
            try await connection.connection.query(
                "SELECT count(*)::bigint FROM orders",
                logger: TestServers.shared.database.logger
            )
            .decode(Int64.self).first(where: { _ in true }) ?? 0
        }
    }

    static func record(_ tenant: TenantID, _ id: UUID) async throws -> ImportRecord? {
        try await TestServers.shared.database.withTenant(tenant) { try await $0.importRecord(id) }
    }

    /// Stores `text` as an import file and records the import (with its first job), as
    /// `POST /v1/imports` does.
    static func startImport(_ tenant: TenantID, _ text: String) async throws -> UUID {
        let database = TestServers.shared.database
        let bytes = Array(text.utf8)
        let body = AsyncStream<ArraySlice<UInt8>> { continuation in
            for start in stride(from: 0, to: bytes.count, by: 100_000) {
                continuation.yield(bytes[start..<min(start + 100_000, bytes.count)])
            }
            continuation.finish()
        }
        let stored = try await database.storeFile(
            tenant,
            body: body,
            purpose: .import,
            contentType: "text/csv",
            maxSize: ImportChunking.maxFileSize,
            expiresAt: Date().addingTimeInterval(3600)
        )
        return try await database.withTenant(tenant) {
            try await $0.createImport(kind: .orders, format: .csv, points: .none, file: stored.file, size: stored.size)
                .id
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aKilledWorkersImportIsFinishedByAnotherWithEveryRowOnce() async throws {
        let binary = jifenBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build (make test does)")
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant("import crash test")
        let rows = 100_000
        var text = "external_id,member,currency,amount,status,placed_at,paid_at\n"
        for index in 0..<rows {
            text +=
                "o-\(index),m-\(index % 10_000),CNY,\(100 + index % 900),paid,2024-03-01T09:30:00Z,2024-03-01T09:31:00Z\n"
        }
        let id = try await Self.startImport(tenant.id, text)
        let environment = [
            "JOB_QUEUE": "import-crash-\(UUID().uuidString.prefix(8))",
            "WORKER_TENANTS": tenant.id.description,
            "JOB_VISIBILITY_TIMEOUT": "2",
            "SCHEDULER_INTERVAL": "0",
            "LOG_LEVEL": "warning",
        ]
        let first = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "worker-a"
        )
        let started = try await eventually(timeout: .seconds(120), every: .milliseconds(20)) {
            try await Self.orders(tenant.id) > 0
        }
        first.kill()
        try #require(started, "the first worker imported nothing: \(first.log)")
        let whenKilled = try await Self.orders(tenant.id)
        #expect(whenKilled < rows, "the first worker finished before it was killed; nothing was tested")

        let second = try ChildProcess(
            executable: binary,
            arguments: ["work"],
            environment: environment,
            name: "worker-b"
        )
        let finished = try await eventually(timeout: .seconds(420), every: .milliseconds(200)) {
            try await Self.record(tenant.id, id)?.state == .completed
        }
        let status = try await second.terminate()
        let final = try await Self.record(tenant.id, id)
        #expect(finished, "\(String(describing: final)): \(second.log)")
        #expect(status == 0)
        let record = try #require(try await Self.record(tenant.id, id))
        #expect(try await Self.orders(tenant.id) == Int64(rows))
        #expect(record.rowsImported == Int64(rows), "\(record)")
        #expect(record.rowsSkipped == 0 && record.rowsFailed == 0, "\(record)")

        // The same file again, imported in-process: every row skipped.
        let again = try await Self.startImport(tenant.id, text)
        while try await servers.database.withTenant(
            tenant.id,
            {
                try await $0.processImportBatch(again, maxRows: 50_000, now: Date())
            }
        ) == .more {}
        let rerun = try #require(try await Self.record(tenant.id, again))
        #expect(rerun.state == .completed)
        #expect(rerun.rowsImported == 0 && rerun.rowsSkipped == Int64(rows), "\(rerun)")
        #expect(try await Self.orders(tenant.id) == Int64(rows))
    }
}
