import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres

/// The operator's side of console accounts: the first owner of a shop is invited here; owners
/// invite the rest from the console's Staff page.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Invite, list and disable a tenant's console staff.",
        subcommands: [Invite.self, List.self, Disable.self]
    )

    static let operatorActor = AuditActor(kind: .operator, name: "jifen staff")

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite someone to a tenant's console and print the invitation's path (valid 7 days)."
        )

        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "The invitee's email.") var email: String
        @Option(help: "owner, staff or viewer.") var role: String = "owner"

        func run() async throws {
            guard let tenantID = TenantID(tenant) else { throw ValidationError("'\(tenant)' is not a tenant id") }
            guard let staffRole = StaffRole(rawValue: role) else {
                throw ValidationError("--role must be owner, staff or viewer")
            }
            let address: String
            do { address = try StaffCredentials.email(email) } catch {
                throw ValidationError("'\(email)' is not an email")
            }
            let (settings, logger) = try startUp("jifen.staff")
            let connections = try Connections(settings: settings, logger: logger)
            let (_, secret) = try await AuditActor.$current.withValue(StaffCommand.operatorActor) {
                try await connections.withRunningClient {
                    try await connections.database.withTenant(tenantID) {
                        try await $0.inviteStaff(email: address, role: staffRole, invitedBy: "operator")
                    }
                }
            }
            print("/console/invitations/\(secret.value)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's console staff.")

        @Option(help: "The tenant's id.") var tenant: String

        func run() async throws {
            guard let tenantID = TenantID(tenant) else { throw ValidationError("'\(tenant)' is not a tenant id") }
            let (settings, logger) = try startUp("jifen.staff")
            let connections = try Connections(settings: settings, logger: logger)
            let accounts = try await connections.withRunningClient {
                try await connections.database.withTenant(tenantID) { try await $0.staffList() }
            }
            for account in accounts {
                let state = account.disabledAt != nil ? "disabled" : account.joined ? "active" : "invited"
                print("\(account.id.uuidString.lowercased())  \(account.role.rawValue)  \(state)  \(account.email)")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account and sign it out everywhere (a lost laptop, a leaver)."
        )

        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "The account's email.") var email: String

        func run() async throws {
            guard let tenantID = TenantID(tenant) else { throw ValidationError("'\(tenant)' is not a tenant id") }
            let (settings, logger) = try startUp("jifen.staff")
            let connections = try Connections(settings: settings, logger: logger)
            let address = email.lowercased()
            let done = try await AuditActor.$current.withValue(StaffCommand.operatorActor) {
                try await connections.withRunningClient {
                    try await connections.database.withTenant(tenantID) { connection -> Bool in
                        guard let account = try await connection.staffList().first(where: { $0.email == address })
                        else { return false }
                        return try await connection.disableStaff(account.id) != nil
                    }
                }
            }
            guard done else { throw ValidationError("no staff account '\(email)' in that tenant") }
            print("disabled \(address)")
        }
    }
}
