/// What an import reads: which records, in which format, and what orders do to points
/// (docs/data.md).
public enum ImportKind: String, Sendable, Hashable, CaseIterable, Codable {
    case members, orders, balances
}

/// The two file formats imports read and exports write.
public enum DataFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case csv, ndjson

    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        }
    }
}

/// Orders imported `none`: history only (segments and reports), scoring never looks at them.
/// `program`: recorded as if sent to `POST /v1/orders`, then scored by the current program.
public enum ImportPoints: String, Sendable, Hashable, CaseIterable, Codable {
    case none, program
}

/// Where an import stands.
public enum ImportState: String, Sendable, Hashable, CaseIterable, Codable {
    case queued, running, completed, cancelled, failed

    public var isFinal: Bool { self == .completed || self == .cancelled || self == .failed }
}

/// How uploaded files are cut for storage: every chunk but the last is exactly `size` bytes,
/// so a byte offset into the file names its chunk (`offset / size`) without an index.
public enum ImportChunking {
    public static let size = 256 * 1024
    /// The upload cap (the operation's documented limit).
    public static let maxFileSize: Int64 = 1024 * 1024 * 1024
    /// A row longer than this is refused (and skipped to its end) instead of being held.
    public static let maxRowBytes = 64 * 1024
}
