import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// The tenant's current program: its latest version, or ``Program/default`` (version 0).
    public func program() async throws -> Program {
        let rows = try await query(
            """
            SELECT version, rules::text, created_at FROM programs WHERE tenant_id = \(tenant.rawValue)
            ORDER BY version DESC LIMIT 1
            """
        )
        for try await (version, rules, _) in rows.decode((Int, String, Date).self) {
            return try Self.program(version: version, rules: rules)
        }
        return .default
    }

    /// A past version, for measuring a refund against the rules its points were earned under.
    public func program(version: Int) async throws -> Program {
        guard version > 0 else { return .default }
        let rows = try await query(
            "SELECT rules::text FROM programs WHERE tenant_id = \(tenant.rawValue) AND version = \(version)"
        )
        for try await rules in rows.decode(String.self) { return try Self.program(version: version, rules: rules) }
        throw JifenError(.internalError, "program version \(version) is missing")
    }

    /// When the current version was saved; `nil` for the default program.
    public func programSavedAt() async throws -> Date? {
        let rows = try await query(
            "SELECT max(created_at) FROM programs WHERE tenant_id = \(tenant.rawValue)"
        )
        return try await rows.decode(Date?.self).first(where: { _ in true }) ?? nil
    }

    /// Saves `program` as the next version and returns it with that version. Saves serialise
    /// on a per-tenant advisory lock, so two at once get consecutive versions.
    public func saveProgram(_ program: Program) async throws -> Program {
        try program.validate()
        // Calendar rules also run in SQL (expiry reminders): PostgreSQL must know the zone too.
        do {
            try await query("SELECT now() AT TIME ZONE \(program.timeZone)")
        } catch {
            throw JifenError.invalid("time_zone", "'\(program.timeZone)' is not a time zone the database knows")
        }
        try await query(
            "SELECT pg_advisory_xact_lock(hashtextextended('program:' || \(tenant.description), 0))"
        )
        let rows = try await query(
            "SELECT coalesce(max(version), 0) + 1 FROM programs WHERE tenant_id = \(tenant.rawValue)"
        )
        let version = try await rows.decode(Int.self).first(where: { _ in true }) ?? 1
        var saved = program
        saved.version = version
        let rules = String(decoding: try JSONEncoder().encode(saved), as: UTF8.self)
        try await query(
            "INSERT INTO programs (tenant_id, version, rules) VALUES (\(tenant.rawValue), \(version), \(rules)::jsonb)"
        )
        return saved
    }

    private static func program(version: Int, rules: String) throws -> Program {
        var program = try JSONDecoder().decode(Program.self, from: Data(rules.utf8))
        program.version = version
        return program
    }
}
