import Foundation
import JifenCore

/// A file kept in PostgreSQL in chunks (`files`, `file_chunks`): an uploaded import or a
/// written export. Whole files are never held in memory: uploads are written and downloads
/// read one chunk per transaction.
public struct StoredFile: Sendable, Equatable {
    public enum Purpose: String, Sendable {
        case `import`, export
    }

    public var id: UUID
    public var contentType: String
    public var size: Int64
    public var chunks: Int
    public var complete: Bool
    public var expiresAt: Date
}

/// How long files are kept: an import's file for re-runs and its errors, an export's for
/// downloading. The `files.expire` sweep deletes them after.
public enum FileRetention {
    public static let days = 7
    public static var interval: TimeInterval { TimeInterval(days * 86_400) }
}
