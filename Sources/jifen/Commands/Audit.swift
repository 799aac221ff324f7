import ArgumentParser
import JifenCore
import JifenPostgres

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Verify the ledger: balance = sum of entries = sum of lots, for every member. Exits 1 on any violation."
    )

    @Option(help: "Audit only this tenant.") var tenant: String?

    func run() async throws {
        let (settings, logger) = try startUp("jifen.audit")
        let tenants: [TenantID]? = try tenant.map { text in
            guard let id = TenantID(text) else { throw ValidationError("'\(text)' is not a tenant id") }
            return [id]
        }
        let connections = try Connections(settings: settings, logger: logger)
        let (members, violations) = try await connections.withRunningClient {
            try await LedgerAudit(database: connections.database).run(tenants: tenants)
        }
        for violation in violations { print("VIOLATION \(violation)") }
        print(
            "audited \(members) members: \(violations.isEmpty ? "ledger consistent" : "\(violations.count) violations")"
        )
        if !violations.isEmpty { throw ExitCode(1) }
    }
}
