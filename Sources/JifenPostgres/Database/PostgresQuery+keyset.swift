import Foundation
import JifenCore
import PostgresNIO

extension PostgresQuery.StringInterpolation {
    /// The keyset condition of a "newest first" list (`ORDER BY created_at DESC, id DESC`):
    /// the rows after `cursor`, or every row without one. Written
    /// `AND \(after: cursor, on: "e")` for `(e.created_at, e.id)`; the cursor's values are bound
    /// parameters, and the alias a literal in our code (`StaticString`), so nothing a client sends
    /// reaches the SQL text. The shape keeps one statement for both cases (a bound `cursor IS
    /// NULL` flag rather than two texts), as every list had it.
    mutating func appendInterpolation(after cursor: PageCursor?, on alias: StaticString? = nil) {
        let prefix = alias.map { "\($0.description)." } ?? ""
        appendLiteral("(")
        appendInterpolation(cursor == nil)
        appendLiteral(" OR (\(prefix)created_at, \(prefix)id) < (timestamptz 'epoch' + ")
        appendInterpolation(cursor?.createdAtMicros ?? Int64.max)
        appendLiteral(" * interval '1 microsecond', ")
        appendInterpolation(cursor?.id ?? UUID())
        appendLiteral("))")
    }
}
