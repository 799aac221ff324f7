import Foundation
import JifenCore

/// An import as `GET /v1/imports/{id}` shows it.
public struct ImportRecord: Sendable, Equatable {
    public var id: UUID
    public var kind: ImportKind
    public var format: DataFormat
    public var points: ImportPoints
    public var state: ImportState
    public var size: Int64
    public var bytesDone: Int64
    public var rowsImported: Int64
    public var rowsSkipped: Int64
    public var rowsFailed: Int64
    public var cancelRequested: Bool
    public var failure: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    /// Rows looked at so far.
    public var rowsDone: Int64 { rowsImported + rowsSkipped + rowsFailed }

    /// Rows a second since the first batch started (until the last ended), nil before.
    public func rate(now: Date) -> Double? {
        guard let startedAt else { return nil }
        let elapsed = (finishedAt ?? now).timeIntervalSince(startedAt)
        guard elapsed > 0, rowsDone > 0 else { return nil }
        return Double(rowsDone) / elapsed
    }

    /// When the rest of the file should be done at the rate so far (by bytes: the row count
    /// is not known before the end), nil when finished or not started.
    public func estimatedCompletion(now: Date) -> Date? {
        guard !state.isFinal, let startedAt, bytesDone > 0, size > bytesDone else { return nil }
        let elapsed = now.timeIntervalSince(startedAt)
        guard elapsed > 0 else { return nil }
        return now.addingTimeInterval(elapsed * Double(size - bytesDone) / Double(bytesDone))
    }
}

/// The `imports.process` job's payload: which import.
public struct ImportJobPayload: Codable, Sendable, Equatable {
    public var importID: UUID
    /// The import's `run_token` when the job was written (absent: 0).
    public var token: Int?
    public init(importID: UUID, token: Int = 0) {
        self.importID = importID
        self.token = token
    }
    enum CodingKeys: String, CodingKey {
        case importID = "import_id"
        case token
    }

    public var json: String {
        #"{"import_id":"\#(importID.uuidString.lowercased())","token":\#(token ?? 0)}"#
    }
}
