import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Issue and revoke tenant API keys.",
        subcommands: [Create.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a key for a tenant and print it (shown once).")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "What the key is for.") var name: String?
        @Option(
            name: .customLong("scope"),
            help: "A scope the key holds (read, write, webhooks, imports, admin); repeat for more. Default: all."
        )
        var scopes: [String] = []

        func run() async throws {
            guard let tenantID = TenantID(tenant) else { throw ValidationError("'\(tenant)' is not a tenant id") }
            let granted = try APIScope.validate(scopes.isEmpty ? nil : scopes, field: "--scope")
            let (settings, logger) = try startUp("jifen.apikey")
            let connections = try Connections(settings: settings, logger: logger)
            // The audit log names the operator: this runs with the operator's credentials.
            let key = try await AuditActor.$current.withValue(AuditActor(kind: .operator, name: "jifen apikey")) {
                try await connections.withRunningClient {
                    try await TenantStore(database: connections.database).createKey(
                        for: tenantID,
                        name: name,
                        scopes: granted
                    )
                }
            }
            print("key id  \(key.id.uuidString.lowercased())")
            print("scopes  \(key.scopes.map(\.rawValue).joined(separator: " "))")
            print("api key \(key.secret.value)   (shown once; Jifen stores only its hash)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The key's id.") var key: String

        func run() async throws {
            guard let tenantID = TenantID(tenant) else { throw ValidationError("'\(tenant)' is not a tenant id") }
            guard let keyID = UUID(uuidString: key) else { throw ValidationError("'\(key)' is not a key id") }
            let (settings, logger) = try startUp("jifen.apikey")
            let connections = try Connections(settings: settings, logger: logger)
            try await AuditActor.$current.withValue(AuditActor(kind: .operator, name: "jifen apikey")) {
                try await connections.withRunningClient {
                    try await TenantStore(database: connections.database).revokeKey(keyID, of: tenantID)
                }
            }
            print("revoked \(keyID.uuidString.lowercased())")
        }
    }
}
