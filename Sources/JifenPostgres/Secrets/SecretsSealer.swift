import JifenCore

/// Walks the tenants and seals their webhook secrets: every one still in plain text
/// (`jifen migrate`, after migration 0012), or also every one under an older key
/// (`jifen secrets rotate`). One transaction per tenant, so row-level security scopes each,
/// and a rotation interrupted halfway leaves every row readable with the keys configured.
public struct SecretsSealer: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    public struct Report: Sendable, Equatable {
        /// Tenants whose secrets are now all sealed as asked.
        public var tenants: Int
        /// Rows (endpoints, integrations) whose secrets were sealed again.
        public var rewritten: Int
        /// Tenants left as they were, and why: a value no configured key opens (add its key to
        /// `SECRETS_PREVIOUS_KEYS`), or a database error. The others are done regardless.
        public var failures: [Failure]
    }

    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var tenant: TenantID
        public var reason: String
        public var description: String { "tenant \(tenant): \(reason)" }
    }

    public func reseal(tenants only: [TenantID]? = nil, plaintextOnly: Bool) async throws -> Report {
        let tenants: [TenantID]
        if let only {
            tenants = only
        } else {
            tenants = try await TenantStore(database: database).allIDs()
        }
        var report = Report(tenants: 0, rewritten: 0, failures: [])
        for tenant in tenants {
            do {
                report.rewritten += try await database.withTenant(tenant) {
                    try await $0.resealSecrets(plaintextOnly: plaintextOnly)
                }
                report.tenants += 1
            } catch let error as JifenError {
                report.failures.append(Failure(tenant: tenant, reason: error.detail))
            } catch {
                report.failures.append(Failure(tenant: tenant, reason: String(reflecting: error)))
            }
        }
        return report
    }
}
