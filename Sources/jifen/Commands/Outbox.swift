import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the outbox and rebuild the job queue from it.",
        subcommands: [Replay.self]
    )

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send again every job relayed since a time (after Redis lost data). Safe: jobs are idempotent.",
            discussion:
                "Relayed rows are kept OUTBOX_RETENTION_HOURS, so the queue can be rebuilt from any point in that window."
        )

        @Option(help: "RFC 3339 time, e.g. 2026-11-30T10:00:00Z: replay rows relayed at or after it.")
        var since: String
        @Option(help: "Only this tenant's rows.") var tenant: String?

        func run() async throws {
            guard let start = try? Date(since, strategy: .iso8601) else {
                throw ValidationError("--since must be an RFC 3339 time such as 2026-11-30T10:00:00Z")
            }
            let tenants: [TenantID]? = try tenant.map { text in
                guard let id = TenantID(text) else { throw ValidationError("'\(text)' is not a tenant id") }
                return [id]
            }
            let (settings, logger) = try startUp("jifen.outbox")
            let connections = try Connections(settings: settings, logger: logger)
            let count = try await connections.withRunningClient {
                try await OutboxStore(database: connections.database).replay(since: start, tenants: tenants)
            }
            print("marked \(count) outbox rows for relaying again; running workers send them within a second")
        }
    }
}
