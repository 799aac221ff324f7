import Foundation
import JifenCore
import PostgresNIO
import Testing

@testable import JifenPostgres

/// The keyset condition every "newest first" list shares: values bound, never in the SQL text.
@Suite struct KeysetClauseTests {
    @Test func bindsTheCursorAndNamesTheAlias() throws {
        let cursor = PageCursor(createdAtMicros: 1_796_083_200_000_000, id: UUID())
        let query: PostgresQuery =
            "SELECT 1 FROM ledger_entries e WHERE e.tenant_id = \(UUID()) AND \(after: cursor, on: "e")"
        #expect(
            query.sql
                == "SELECT 1 FROM ledger_entries e WHERE e.tenant_id = $1 AND ($2 OR (e.created_at, e.id) < (timestamptz 'epoch' + $3 * interval '1 microsecond', $4))"
        )
        #expect(query.binds.count == 4)
        #expect(!query.sql.contains(cursor.id.uuidString.lowercased()) && !query.sql.contains("1796083200000000"))
    }

    @Test func withoutCursorOrAliasEveryRowPasses() {
        let query: PostgresQuery = "SELECT 1 FROM tenants WHERE \(after: nil)"
        #expect(
            query.sql
                == "SELECT 1 FROM tenants WHERE ($1 OR (created_at, id) < (timestamptz 'epoch' + $2 * interval '1 microsecond', $3))"
        )
        #expect(query.binds.count == 3)
    }
}
