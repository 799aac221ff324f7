import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres
import JifenWorker

struct Reports: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Check or rebuild a tenant's report aggregates (docs/reports.md).",
        subcommands: [Verify.self, Aggregate.self, Rebuild.self]
    )

    static func tenant(_ text: String) throws -> TenantID {
        guard let id = TenantID(text) else { throw ValidationError("'\(text)' is not a tenant id") }
        return id
    }

    static func day(_ text: String?, _ name: String) throws -> ReportDay? {
        guard let text else { return nil }
        guard let day = ReportDay(text) else { throw ValidationError("--\(name) must be a date YYYY-MM-DD") }
        return day
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                Recompute a tenant's stored days from the ledger and compare, and check today's \
                liability against its lots and holds. Exits 1 on any difference.
                """
        )

        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "First day to check, YYYY-MM-DD (default 2000-01-01: every stored day).") var from: String?
        @Option(help: "Last day to check, YYYY-MM-DD (default: the last stored day).") var to: String?

        func run() async throws {
            let id = try Reports.tenant(tenant)
            let first = try Reports.day(from, "from") ?? ReportDay(year: 2000, month: 1, day: 1)
            let last = try Reports.day(to, "to") ?? ReportDay(year: 2999, month: 12, day: 31)
            let (settings, logger) = try startUp("jifen.reports")
            let connections = try Connections(settings: settings, logger: logger)
            let problems = try await connections.withRunningClient {
                try await connections.database.withTenant(id) { try await $0.verifyReports(from: first, to: last) }
            }
            for problem in problems { print("DIFFERENCE \(problem)") }
            print(problems.isEmpty ? "reports match the ledger" : "\(problems.count) differences")
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Aggregate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a tenant's ended days now, as the workers' reports.aggregate job does."
        )

        @Option(help: "The tenant's id.") var tenant: String

        func run() async throws {
            let id = try Reports.tenant(tenant)
            let (settings, logger) = try startUp("jifen.reports")
            let connections = try Connections(settings: settings, logger: logger)
            let days = try await connections.withRunningClient {
                var total = 0
                while true {
                    let done = try await connections.database.withTenant(id) {
                        try await $0.aggregateReports(now: Date())
                    }
                    total += done
                    if done == 0 { return total }
                }
            }
            print("aggregated \(days) days")
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                Forget a tenant's stored days from --from on (all without it); the workers compute \
                them again at their next round (or run `jifen reports aggregate`).
                """
        )

        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "First day to forget, YYYY-MM-DD.") var from: String?

        func run() async throws {
            let id = try Reports.tenant(tenant)
            let first = try Reports.day(from, "from")
            let (settings, logger) = try startUp("jifen.reports")
            let connections = try Connections(settings: settings, logger: logger)
            try await connections.withRunningClient {
                try await connections.database.withTenant(id) { try await $0.resetReports(from: first) }
            }
            print("reports of \(id) from \(first?.description ?? "the first day") will be computed again")
        }
    }
}
