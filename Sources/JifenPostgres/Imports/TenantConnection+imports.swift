import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    static let importColumns = """
        id, kind, format, points, state, size, next_byte, rows_imported, rows_skipped, rows_failed, cancel_requested,
        failure, created_at, started_at, finished_at, updated_at
        """

    /// Records an import of a stored file and writes its first `imports.process` job in the
    /// same transaction.
    public func createImport(
        kind: ImportKind,
        format: DataFormat,
        points: ImportPoints,
        file: UUID,
        size: Int64
    ) async throws -> ImportRecord {
        let rows = try await query(
            """
            INSERT INTO imports (tenant_id, kind, format, points, file_id, size, state)
            VALUES (\(tenant.rawValue), \(kind.rawValue), \(format.rawValue), \(points.rawValue), \(file), \(size),
                    'queued')
            RETURNING \(unescaped: Self.importColumns)
            """
        )
        for try await row in rows {
            let record = try Self.importRecord(row)
            try await enqueue(.processImport, payload: ImportJobPayload(importID: record.id).json)
            return record
        }
        throw JifenError(.internalError, "import insert returned nothing")
    }

    public func importRecord(_ id: UUID) async throws -> ImportRecord? {
        let rows = try await query(
            "SELECT \(unescaped: Self.importColumns) FROM imports WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        for try await row in rows { return try Self.importRecord(row) }
        return nil
    }

    /// Asks the import to stop after the batch in progress; what is committed stays. A finished
    /// import is left as it is.
    public func cancelImport(_ id: UUID, now: Date) async throws -> ImportRecord? {
        try await query(
            """
            UPDATE imports SET cancel_requested = true,
                state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
                finished_at = CASE WHEN state = 'queued' THEN \(now) ELSE finished_at END,
                updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND state IN ('queued', 'running')
            """
        )
        return try await importRecord(id)
    }

    /// A page of an import's row errors, by row number after `after`.
    public func importErrors(_ id: UUID, after: Int64, limit: Int) async throws -> [(Int64, String, String)] {
        let rows = try await query(
            """
            SELECT row_number, field, message FROM import_errors
            WHERE tenant_id = \(tenant.rawValue) AND import_id = \(id) AND row_number > \(after)
            ORDER BY row_number LIMIT \(limit)
            """
        )
        var errors: [(Int64, String, String)] = []
        for try await row in rows.decode((Int64, String, String).self) { errors.append(row) }
        return errors
    }

    static func importRecord(_ row: PostgresRow) throws -> ImportRecord {
        let c = row.makeRandomAccess()
        func parsed<T: RawRepresentable>(_ index: Int, _ type: T.Type) throws -> T where T.RawValue == String {
            let text = try c.value(index, String.self)
            guard let value = T(rawValue: text) else {
                throw JifenError(.internalError, "import has unknown \(T.self) '\(text)'")
            }
            return value
        }
        return ImportRecord(
            id: try c.value(0, UUID.self),
            kind: try parsed(1, ImportKind.self),
            format: try parsed(2, DataFormat.self),
            points: try parsed(3, ImportPoints.self),
            state: try parsed(4, ImportState.self),
            size: try c.value(5, Int64.self),
            bytesDone: try c.value(6, Int64.self),
            rowsImported: try c.value(7, Int64.self),
            rowsSkipped: try c.value(8, Int64.self),
            rowsFailed: try c.value(9, Int64.self),
            cancelRequested: try c.value(10, Bool.self),
            failure: try c.value(11, String?.self),
            createdAt: try c.value(12, Date.self),
            startedAt: try c.value(13, Date?.self),
            finishedAt: try c.value(14, Date?.self),
            updatedAt: try c.value(15, Date.self)
        )
    }
}

extension Database {
    /// The import's row errors as CSV (`row,field,message`), read a page per transaction as the
    /// consumer asks: a million errors are never in memory at once.
    public func importErrorsCSV(_ tenant: TenantID, id: UUID) -> AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
        let database = self
        let cursor = ErrorCursor()
        return AsyncThrowingStream(unfolding: {
            guard let after = cursor.next() else { return nil }
            if after < 0 {
                cursor.set(0)
                return ArraySlice("row,field,message\r\n".utf8)
            }
            let page = try await database.withTenant(tenant) {
                try await $0.importErrors(id, after: after, limit: 5000)
            }
            guard let last = page.last else {
                cursor.finish()
                return nil
            }
            cursor.set(last.0)
            let table = CSVTable(header: [], rows: page.map { ["\($0.0)", $0.1, $0.2] })
            return ArraySlice(table.text.utf8.dropFirst(2))
        })
    }
}

/// Where an error download stands: -1 before the header, then the last row sent, nil at the end.
final class ErrorCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64? = -1
    func next() -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func set(_ row: Int64) {
        lock.lock()
        defer { lock.unlock() }
        value = row
    }
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        value = nil
    }
}
