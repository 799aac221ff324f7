import Foundation
import JifenCore
import PostgresNIO

/// Stored responses for POSTs sent with an `Idempotency-Key`.
///
/// A key is claimed (`pending`) before the request runs and completed with its response after.
/// Keys live 24 hours; a `pending` claim older than a minute belongs to a request that died,
/// so a retry may take it over.
public struct IdempotencyStore: Sendable {
    public enum Claim: Sendable, Equatable {
        /// The key is new (or expired): run the request, then ``complete``.
        case proceed
        /// Same key, same request, already answered.
        case replay(StoredResponse)
        /// Same key, different request.
        case mismatch
        /// Same key, same request, still running elsewhere.
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

    /// Operator requests have no tenant; their keys live under the nil tenant id.
    public static let operatorScope = TenantID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))

    let database: Database

    public init(database: Database) { self.database = database }

    public func claim(_ key: String, scope: TenantID, requestHash: Data) async throws -> Claim {
        try await database.withTenant(scope) { tenant in
            let claimed = try await tenant.query(
                """
                INSERT INTO idempotency_keys AS k (tenant_id, key, request_hash)
                VALUES (\(scope.rawValue), \(key), \(requestHash))
                ON CONFLICT (tenant_id, key) DO UPDATE
                SET request_hash = EXCLUDED.request_hash, state = 'pending', status_code = NULL,
                    content_type = NULL, response_body = NULL, created_at = clock_timestamp()
                WHERE k.created_at < now() - interval '24 hours'
                   OR (k.state = 'pending' AND k.created_at < now() - interval '1 minute')
                RETURNING 1
                """
            )
            if try await claimed.decode(Int.self).first(where: { _ in true }) != nil { return .proceed }
            let rows = try await tenant.query(
                """
                SELECT request_hash, state, status_code, content_type, response_body
                FROM idempotency_keys WHERE tenant_id = \(scope.rawValue) AND key = \(key)
                """
            )
            for try await (hash, state, status, contentType, body) in rows.decode(
                (Data, String, Int?, String?, Data?).self
            ) {
                guard hash == requestHash else { return .mismatch }
                guard state == "done", let status else { return .inProgress }
                return .replay(StoredResponse(status: status, contentType: contentType, body: body ?? Data()))
            }
            // Deleted between the two statements by an abandoning request: let the client retry.
            return .inProgress
        }
    }

    public func complete(_ key: String, scope: TenantID, response: StoredResponse) async throws {
        try await database.withTenant(scope) { tenant in
            try await tenant.query(
                """
                UPDATE idempotency_keys
                SET state = 'done', status_code = \(response.status), content_type = \(response.contentType),
                    response_body = \(response.body)
                WHERE tenant_id = \(scope.rawValue) AND key = \(key)
                """
            )
        }
    }

    /// Releases a claim whose request failed unexpectedly, so a retry runs it again.
    public func abandon(_ key: String, scope: TenantID) async throws {
        try await database.withTenant(scope) { tenant in
            try await tenant.query(
                "DELETE FROM idempotency_keys WHERE tenant_id = \(scope.rawValue) AND key = \(key) AND state = 'pending'"
            )
        }
    }
}
