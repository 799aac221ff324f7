import Foundation
import JifenCore

/// An export as `GET /v1/exports/{id}` shows it.
public struct ExportRecord: Sendable, Equatable {
    public var id: UUID
    public var kind: ExportKind
    public var format: DataFormat
    public var from: Date?
    public var to: Date?
    public var state: ExportState
    public var rows: Int64
    public var size: Int64
    public var failure: String?
    public var createdAt: Date
    public var finishedAt: Date?
    public var expiresAt: Date
}

/// The `exports.write` job's payload.
public struct ExportJobPayload: Codable, Sendable, Equatable {
    public var exportID: UUID
    /// The export's `run_token` when the job was written (absent: 0).
    public var token: Int?
    public init(exportID: UUID, token: Int = 0) {
        self.exportID = exportID
        self.token = token
    }
    enum CodingKeys: String, CodingKey {
        case exportID = "export_id"
        case token
    }

    public var json: String { #"{"export_id":"\#(exportID.uuidString.lowercased())","token":\#(token ?? 0)}"# }
}

/// What each export kind writes: its columns (CSV header and NDJSON keys, in order) as SQL
/// expressions over its table, the table keyed by id, and the column its date range filters.
struct ExportShape {
    var columns: [(name: String, sql: String, number: Bool)]
    var from: String
    var time: String

    static func time(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    static func of(_ kind: ExportKind) -> ExportShape {
        switch kind {
        case .members:
            ExportShape(
                columns: [
                    ("external_id", "x.external_id", false), ("email", "x.email", false), ("phone", "x.phone", false),
                    ("name", "x.name", false), ("tags", "array_to_string(x.tags, '|')", false),
                    ("tier", "x.tier", false), ("order_count", "x.order_count", true),
                    ("total_spend", "x.total_spend", true), ("created_at", time("x.created_at"), false),
                ],
                from: "members x",
                time: "x.created_at"
            )
        case .orders:
            ExportShape(
                columns: [
                    ("external_id", "x.external_id", false),
                    (
                        "member",
                        "(SELECT m.external_id FROM members m WHERE m.tenant_id = x.tenant_id AND m.id = x.member_id)",
                        false
                    ),
                    ("currency", "x.currency", false), ("amount", "x.amount", true), ("status", "x.status", false),
                    ("placed_at", time("x.placed_at"), false), ("paid_at", time("x.paid_at"), false),
                    ("cancelled_at", time("x.cancelled_at"), false), ("refunded_at", time("x.refunded_at"), false),
                    (
                        "refunded_amount",
                        "(SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.tenant_id = x.tenant_id AND r.order_id = x.id)",
                        true
                    ),
                    ("history_only", "CASE WHEN x.history_only THEN 'true' ELSE 'false' END", false),
                ],
                from: "orders x",
                time: "x.placed_at"
            )
        case .ledger:
            ExportShape(
                columns: [
                    ("id", "x.id", false),
                    (
                        "member",
                        "(SELECT m.external_id FROM members m WHERE m.tenant_id = x.tenant_id AND m.id = x.member_id)",
                        false
                    ),
                    ("kind", "x.kind", false), ("source", "x.source", false), ("available", "x.available_delta", true),
                    ("pending", "x.pending_delta", true), ("lot_id", "x.lot_id", false),
                    ("source_ref", "x.source_ref", false),
                    ("description", "x.description", false), ("created_at", time("x.created_at"), false),
                ],
                from: "ledger_entries x",
                time: "x.created_at"
            )
        case .lots:
            ExportShape(
                columns: [
                    ("id", "x.id", false),
                    (
                        "member",
                        "(SELECT m.external_id FROM members m WHERE m.tenant_id = x.tenant_id AND m.id = x.member_id)",
                        false
                    ),
                    ("source", "x.source", false), ("points", "x.points", true), ("remaining", "x.remaining", true),
                    ("state", "x.state", false), ("earned_at", time("x.earned_at"), false),
                    ("available_at", time("x.available_at"), false), ("expires_at", time("x.expires_at"), false),
                ],
                from: "point_lots x",
                time: "x.earned_at"
            )
        }
    }
}
