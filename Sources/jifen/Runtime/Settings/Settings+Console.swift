import Configuration
import JifenConsole
import JifenCore

/// The staff console of `jifen serve` (docs/console.md, "Settings").
extension ConsoleConfiguration {
    static func fromEnvironment(_ config: ConfigReader, trustForwardedFor: Bool) throws -> ConsoleConfiguration {
        ConsoleConfiguration(
            secureCookies: !config.flag("console.insecure.cookies"),
            sessionLifetime: .seconds(
                try config.integer("console.session.hours", "CONSOLE_SESSION_HOURS", default: 12, range: 1...168) * 3600
            ),
            idleTimeout: .seconds(
                try config.integer("console.idle.minutes", "CONSOLE_IDLE_MINUTES", default: 30, range: 1...1440) * 60
            ),
            bcryptCost: UInt8(
                try config.integer("console.bcrypt.cost", "CONSOLE_BCRYPT_COST", default: 12, range: 4...16)
            ),
            adjustmentLimit: AdjustmentLimit(
                points: Int64(
                    try config.integer(
                        "console.staff.adjustment.limit",
                        "CONSOLE_STAFF_ADJUSTMENT_LIMIT",
                        default: 1_000,
                        range: 1...1_000_000_000
                    )
                )
            ),
            trustForwardedFor: trustForwardedFor
        )
    }
}
