import Foundation
import JifenCore
import PostgresNIO

/// Stored responses for POSTs sent with an `Idempotency-Key`.
///
/// A request with a key runs inside one tenant transaction that first takes a transaction
/// advisory lock on (tenant, key), then does the request's work (the handlers' `withTenant`
/// joins it, see ``Database/withSharedTenantTransaction(_:_:)``) and writes the response
/// before committing. So the work and its stored answer commit together or not at all: a
/// crash after the work can never make a retry run it again, and a retry while the first is
/// still running finds the lock held and is told so (409) instead of running twice. Keys live
/// 24 hours.
public struct IdempotencyStore: Sendable {
    public enum Begin: Sendable, Equatable {
        /// The key is new (or expired): run the request in this transaction, then ``store``.
        case proceed
        /// Same key, same request, already answered.
        case replay(StoredResponse)
        /// Same key, different request.
        case mismatch
        /// Same key, still running in another transaction.
        case inProgress
    }

    public struct StoredResponse: Sendable, Equatable {
        public var status: Int
        public var contentType: String?
        public var body: Data

        public init(status: Int, contentType: String?, body: Data) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// Operator requests have no tenant; their keys live under the nil tenant id. Their work
    /// runs in the system scope, outside the key's transaction, so for them only the lock
    /// holds (a crash between the work and the answer lets a retry run again).
    public static let operatorScope = TenantID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))

    let database: Database

    public init(database: Database) { self.database = database }

    /// Runs `body` with the key held: `body` gets what the key says and the transaction's
    /// connection, and returns the response to store (or `nil` to store none); all of it is one
    /// transaction.
    public func withKey<T: Sendable>(
        _ key: String,
        scope: TenantID,
        requestHash: Data,
        _ body: (Begin, TenantConnection) async throws -> (result: T, store: StoredResponse?)
    ) async throws -> T {
        try await database.withSharedTenantTransaction(scope) { tenant in
            let begin = try await Self.begin(key, scope: scope, requestHash: requestHash, on: tenant)
            let (result, response) = try await body(begin, tenant)
            if begin == .proceed, let response {
                // Sealed like the webhook secrets: some answers carry a secret shown only once
                // (a new API key, an endpoint's signing secret), and a dump must not show them.
                let body = try tenant.secrets.seal(
                    String(decoding: response.body, as: UTF8.self),
                    context: Self.context(scope, key)
                )
                try await tenant.query(
                    """
                    INSERT INTO idempotency_keys AS k
                        (tenant_id, key, request_hash, state, status_code, content_type, response_body)
                    VALUES (\(scope.rawValue), \(key), \(requestHash), 'done', \(response.status),
                            \(response.contentType), \(body))
                    ON CONFLICT (tenant_id, key) DO UPDATE
                    SET request_hash = EXCLUDED.request_hash, state = 'done', status_code = EXCLUDED.status_code,
                        content_type = EXCLUDED.content_type, response_body = EXCLUDED.response_body,
                        created_at = clock_timestamp()
                    """
                )
            }
            return result
        }
    }

    /// What a sealed answer is bound to: its tenant and key, so it opens in no other row.
    static func context(_ scope: TenantID, _ key: String) -> String { "idempotency_keys:\(scope):\(key)" }

    static func begin(_ key: String, scope: TenantID, requestHash: Data, on tenant: TenantConnection) async throws
        -> Begin
    {
        // hashtext collisions only make an unrelated key wait its turn (409, retry): never a replay.
        let locked = try await tenant.query(
            "SELECT pg_try_advisory_xact_lock(hashtext(\(scope.description)), hashtext(\(key)))"
        ).decode(Bool.self).first(where: { _ in true })
        guard locked == true else { return .inProgress }
        let rows = try await tenant.query(
            """
            SELECT request_hash, state, status_code, content_type, response_body
            FROM idempotency_keys
            WHERE tenant_id = \(scope.rawValue) AND key = \(key) AND created_at >= now() - interval '24 hours'
            """
        )
        for try await (hash, state, status, contentType, body) in rows.decode(
            (Data, String, Int?, String?, Data?).self
        ) {
            guard hash == requestHash else { return .mismatch }
            // A 'pending' row is a claim left by a version before this one: its request died.
            guard state == "done", let status else { return .proceed }
            var stored = body ?? Data()
            // Answers stored before they were sealed are plain JSON (never starting with 0x01).
            if SecretBox.keyID(of: stored) != nil {
                stored = Data(try tenant.secrets.open(stored, context: context(scope, key)).utf8)
            }
            return .replay(StoredResponse(status: status, contentType: contentType, body: stored))
        }
        return .proceed
    }
}
