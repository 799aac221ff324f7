import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Provision tenants.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and print its first API key.")

        @Argument(help: "The shop's display name.") var name: String
        @Flag(help: "Print only `<tenant id> <api key>`, for scripts.") var quiet = false

        func run() async throws {
            let (settings, logger) = try startUp("jifen.tenant")
            let connections = try Connections(settings: settings, logger: logger)
            let (tenant, key) = try await AuditActor.$current.withValue(
                AuditActor(kind: .operator, name: "jifen tenant")
            ) {
                try await connections.withRunningClient {
                    try await TenantStore(database: connections.database).create(name: name)
                }
            }
            if quiet {
                print("\(tenant.id) \(key.secret.value)")
            } else {
                print("tenant  \(tenant.id)  \(tenant.name)")
                print("api key \(key.secret.value)   (shown once; Jifen stores only its hash)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants, newest first.")

        @Option(help: "Show only tenants with exactly this name.") var name: String?

        func run() async throws {
            let (settings, logger) = try startUp("jifen.tenant")
            let connections = try Connections(settings: settings, logger: logger)
            let tenants = try await connections.withRunningClient {
                var all: [Tenant] = []
                var cursor: PageCursor?
                repeat {
                    let page = try await TenantStore(database: connections.database).list(
                        limit: PageLimit(200),
                        after: cursor
                    )
                    all += page.items
                    cursor = page.nextCursor
                } while cursor != nil
                return all
            }
            for tenant in tenants where name == nil || tenant.name == name {
                print("\(tenant.id)\t\(tenant.name)")
            }
        }
    }
}
