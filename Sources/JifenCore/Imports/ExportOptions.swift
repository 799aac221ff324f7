/// What an export writes (docs/data.md).
public enum ExportKind: String, Sendable, Hashable, CaseIterable, Codable {
    case members, orders, ledger, lots
}

/// Where an export stands.
public enum ExportState: String, Sendable, Hashable, CaseIterable, Codable {
    case queued, running, completed, failed
}
