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

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
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
        // A few tenants at a time: most have nothing to seal, and each is a round trip.
        let database = database
        return try await withThrowingTaskGroup(of: (TenantID, Result<Int, Failure>).self) { group in
            var report = Report(tenants: 0, rewritten: 0, failures: [])
            var pending = tenants.makeIterator()
            func add(_ tenant: TenantID) {
                group.addTask {
                    do {
                        let rewritten = try await database.withTenant(tenant) {
                            try await $0.resealSecrets(plaintextOnly: plaintextOnly)
                        }
                        return (tenant, .success(rewritten))
                    } catch let error as JifenError {
                        return (tenant, .failure(Failure(tenant: tenant, reason: error.detail)))
                    } catch {
                        return (tenant, .failure(Failure(tenant: tenant, reason: String(reflecting: error))))
                    }
                }
            }
            for _ in 0..<Self.concurrency {
                guard let tenant = pending.next() else { break }
                add(tenant)
            }
            while let (_, result) = try await group.next() {
                switch result {
                case .success(let rewritten):
                    report.rewritten += rewritten
                    report.tenants += 1
                case .failure(let failure):
                    report.failures.append(failure)
                }
                if let tenant = pending.next() { add(tenant) }
            }
            report.failures.sort { $0.tenant.description < $1.tenant.description }
            return report
        }
    }

    static let concurrency = 8
}
