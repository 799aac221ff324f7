import JifenCore

/// Walks the tenants and seals their webhook secrets: every one still in plain text
/// (`jifen migrate`, after migration 0012), or also every one under an older key
/// (`jifen secrets rotate`). One transaction per tenant, so row-level security scopes each,
/// and a rotation interrupted halfway leaves every row readable with the keys configured.
public struct SecretsSealer: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    public struct Report: Sendable, Equatable {
        /// Tenants looked at.
        public var tenants: Int
        /// Rows (endpoints, integrations) whose secrets were sealed again.
        public var rewritten: Int
    }

    public func reseal(tenants only: [TenantID]? = nil, plaintextOnly: Bool) async throws -> Report {
        let tenants: [TenantID]
        if let only {
            tenants = only
        } else {
            tenants = try await TenantStore(database: database).allIDs()
        }
        var report = Report(tenants: 0, rewritten: 0)
        for tenant in tenants {
            report.rewritten += try await database.withTenant(tenant) {
                try await $0.resealSecrets(plaintextOnly: plaintextOnly)
            }
            report.tenants += 1
        }
        return report
    }
}
