import ArgumentParser
import JifenCore
import JifenPostgres

struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The master key that seals webhook secrets at rest (SECRETS_KEY).",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every webhook secret under SECRETS_KEY (and seal any left in plain text).",
            discussion: """
                Run it with the new key in SECRETS_KEY and the old one in SECRETS_PREVIOUS_KEYS, after \\
                every API and worker process has both. Rows already under the new key are left alone, so \\
                it can run again (after an interruption) at no cost. When it reports 0 rows to re-seal, \\
                the old key can go from SECRETS_PREVIOUS_KEYS.
                """
        )

        @Option(help: "Re-seal only this tenant's secrets.") var tenant: String?

        func run() async throws {
            let (settings, logger) = try startUp("jifen.secrets")
            let tenants: [TenantID]? = try tenant.map { text in
                guard let id = TenantID(text) else { throw ValidationError("'\(text)' is not a tenant id") }
                return [id]
            }
            let connections = try Connections(settings: settings, logger: logger)
            let report = try await connections.withRunningClient {
                try await SecretsSealer(database: connections.database).reseal(tenants: tenants, plaintextOnly: false)
            }
            print(
                "re-sealed \(report.rewritten) rows of \(report.tenants) tenants under key '\(settings.secrets.current.id)'"
            )
            for failure in report.failures { print("FAILED \(failure)") }
            if !report.failures.isEmpty {
                print("\(report.failures.count) tenants left as they were; run again once their keys are configured")
                throw ExitCode(1)
            }
        }
    }
}
