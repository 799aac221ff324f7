import ArgumentParser
import Foundation
import Logging

/// One binary, several roles (docs/architecture.md, Processes): the command picks the role.
/// `main.swift` starts it.
struct Jifen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jifen",
        abstract: "Multi-tenant loyalty points: API, workers and operator tools.",
        discussion: "Configured by environment variables only; see the settings table in docs/operations.md.",
        subcommands: [
            Serve.self, Work.self, Migrate.self, TenantCommand.self, APIKeyCommand.self, Jobs.self, Outbox.self,
            Audit.self, Sweep.self, Secrets.self, Reports.self, StaffCommand.self,
        ]
    )
}

/// Shared start-up for every subcommand: settings, then logging.
func startUp(_ label: String) throws -> (Settings, Logger) {
    let settings = try Settings.fromEnvironment()
    settings.bootstrapLogging()
    // Expiry dates are calendar arithmetic in each program's zone. A binary linked without its
    // time-zone data (a static build that lost ICU's zone code) would get every zone wrong
    // silently; refuse to start instead.
    guard TimeZone(identifier: "Asia/Shanghai") != nil, TimeZone(identifier: "America/New_York") != nil else {
        throw ValidationError("this build has no time-zone data: TimeZone(identifier:) cannot resolve IANA zones")
    }
    return (settings, Logger(label: label))
}
