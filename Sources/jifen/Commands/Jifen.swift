import ArgumentParser
import Logging

/// One binary, several roles (DESIGN §1): the command picks the role.
@main
struct Jifen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jifen",
        abstract: "Multi-tenant loyalty points: API, workers and operator tools.",
        discussion: "Configured by environment variables only; see the README's settings table.",
        subcommands: [
            Serve.self, Work.self, Migrate.self, TenantCommand.self, APIKeyCommand.self, Jobs.self, Outbox.self,
            Audit.self, Sweep.self,
        ]
    )
}

/// Shared start-up for every subcommand: settings, then logging.
func startUp(_ label: String) throws -> (Settings, Logger) {
    let settings = try Settings.fromEnvironment()
    settings.bootstrapLogging()
    return (settings, Logger(label: label))
}
