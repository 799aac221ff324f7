import JifenCore
import Logging
import PostgresNIO

/// Statements written only to a connection that is still open.
///
/// PostgresNIO 1.33 never answers a query written to a connection whose channel has closed:
/// NIO drops the write with nobody told, and the caller waits forever. A transaction that lost
/// its connection then hung in its `ROLLBACK`, holding a worker's job slot for good after
/// PostgreSQL restarted under it (PostgresRestartTests caught it). So nothing is written to a
/// connection known to be closed, and a transaction that failed because its connection went
/// away is not rolled back on it: PostgreSQL has already ended it.
extension PostgresConnection {
    /// `query`, or `service-unavailable` at once when the connection has already closed.
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw Database.connectionLost }
        return try await self.query(query, logger: logger)
    }

    /// `BEGIN`, `body`, `COMMIT`; on an error, `ROLLBACK`. After an error that says the
    /// connection is lost, or a rollback that fails, the connection is closed instead: PostgreSQL
    /// ends the transaction with it, and the pool never hands out a connection still inside one.
    func transaction<T>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await checkedQuery("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            if Database.lostConnection(error) {
                try? await close()
            } else {
                do { try await checkedQuery("ROLLBACK", logger: logger) } catch { try? await close() }
            }
            throw error
        }
        try await checkedQuery("COMMIT", logger: logger)
        return value
    }
}

extension Database {
    /// What a statement meets on a connection that has already closed.
    static let connectionLost = JifenError(
        .serviceUnavailable,
        "The database connection was lost; retry in a moment."
    )

    /// Whether `error` means the connection it came from is gone (or never was).
    static func lostConnection(_ error: any Error) -> Bool {
        if unavailable(error) != nil { return true }
        return (error as? JifenError)?.code == .serviceUnavailable
    }
}
