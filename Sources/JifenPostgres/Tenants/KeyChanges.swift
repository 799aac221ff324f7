import JifenCore
import PostgresNIO

/// The notifications migration 0016 sends when an API key is revoked or a tenant changes: the
/// tenant's id on ``channel``, on commit. API processes that cache authenticated keys listen.
public enum KeyChanges {
    public static let channel = "jifen_api_keys"

    /// The tenant a notification names; `nil` for a payload that is not one (then drop all).
    public static func tenant(_ notification: PostgresNotification) -> TenantID? {
        TenantID(notification.payload)
    }
}

extension Database {
    /// Runs `body` with the notifications of `channel`, on a connection of the application pool
    /// held for as long as `body` runs (LISTEN is per connection). The sequence ends with an
    /// error when the connection is lost.
    public func listen<T: Sendable>(
        _ channel: String,
        _ body: (PostgresNotificationSequence) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await connection.listen(on: channel, consume: body)
        }
    }
}
