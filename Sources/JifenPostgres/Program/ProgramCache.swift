import JifenCore
import NIOConcurrencyHelpers

/// Decoded programs by tenant and version, for this process. A saved version never changes
/// (a change is a new version), so an entry can never be stale: a reader that learns the
/// current version number in a statement it runs anyway (scoring does) skips reading and
/// decoding the rules. Bounded: when full it starts over.
final class ProgramCache: Sendable {
    static let shared = ProgramCache()

    struct Key: Hashable {
        var tenant: TenantID
        var version: Int
    }

    let capacity: Int
    private let programs = NIOLockedValueBox<[Key: Program]>([:])

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func program(_ tenant: TenantID, version: Int) -> Program? {
        programs.withLockedValue { $0[Key(tenant: tenant, version: version)] }
    }

    func keep(_ program: Program, for tenant: TenantID) {
        programs.withLockedValue { programs in
            if programs.count >= capacity { programs.removeAll(keepingCapacity: true) }
            programs[Key(tenant: tenant, version: program.version)] = program
        }
    }
}

extension TenantConnection {
    /// Version `version` of the tenant's program, from this process's cache when it has it.
    func cachedProgram(version: Int) async throws -> Program {
        if let program = ProgramCache.shared.program(tenant, version: version) { return program }
        let program = try await self.program(version: version)
        ProgramCache.shared.keep(program, for: tenant)
        return program
    }
}
