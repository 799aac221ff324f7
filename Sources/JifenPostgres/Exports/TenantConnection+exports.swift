import Foundation
import JifenCore
import NIOCore
import PostgresNIO

extension TenantConnection {
    static let exportColumns = """
        e.id, e.kind, e.format, e.range_from, e.range_to, e.state, e.rows, coalesce(f.size, 0), e.failure,
        e.created_at, e.finished_at, e.expires_at
        """

    /// Records an export, its (empty) file and its first `exports.write` job, in one transaction.
    public func createExport(
        kind: ExportKind,
        format: DataFormat,
        from: Date?,
        to: Date?,
        now: Date
    ) async throws -> ExportRecord {
        let expires = now.addingTimeInterval(FileRetention.interval)
        let file = try await createFile(purpose: .export, contentType: format.contentType, expiresAt: expires)
        let rows = try await query(
            """
            INSERT INTO exports (tenant_id, kind, format, range_from, range_to, file_id, state, expires_at)
            VALUES (\(tenant.rawValue), \(kind.rawValue), \(format.rawValue), \(from), \(to), \(file), 'queued',
                    \(expires))
            RETURNING id
            """
        )
        for try await id in rows.decode(UUID.self) {
            try await enqueue(.writeExport, payload: ExportJobPayload(exportID: id).json)
            guard let record = try await exportRecord(id) else { break }
            return record
        }
        throw JifenError(.internalError, "export insert returned nothing")
    }

    /// Hands the export over to a new `exports.write` job (see ``handOffImport(_:token:)``).
    public func handOffExport(_ id: UUID, token: Int) async throws {
        try await query(
            """
            UPDATE exports SET run_token = \(token + 1) WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        try await enqueue(.writeExport, payload: ExportJobPayload(exportID: id, token: token + 1).json)
    }

    public func exportRecord(_ id: UUID) async throws -> ExportRecord? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.exportColumns)
            FROM exports e LEFT JOIN files f ON f.tenant_id = e.tenant_id AND f.id = e.file_id
            WHERE e.tenant_id = \(tenant.rawValue) AND e.id = \(id)
            """
        )
        for try await row in rows {
            let c = row.makeRandomAccess()
            guard let kind = ExportKind(rawValue: try c.value(1, String.self)),
                let format = DataFormat(rawValue: try c.value(2, String.self)),
                let state = ExportState(rawValue: try c.value(5, String.self))
            else { throw JifenError(.internalError, "export \(id) has an unknown kind, format or state") }
            return ExportRecord(
                id: try c.value(0, UUID.self),
                kind: kind,
                format: format,
                from: try c.value(3, Date?.self),
                to: try c.value(4, Date?.self),
                state: state,
                rows: try c.value(6, Int64.self),
                size: try c.value(7, Int64.self),
                failure: try c.value(8, String?.self),
                createdAt: try c.value(9, Date.self),
                finishedAt: try c.value(10, Date?.self),
                expiresAt: try c.value(11, Date.self)
            )
        }
        return nil
    }

    /// The export's file, once it is complete (nil before, or once it expired).
    public func exportFile(_ id: UUID) async throws -> (UUID, DataFormat)? {
        let rows = try await query(
            """
            SELECT e.file_id, e.format FROM exports e JOIN files f ON f.tenant_id = e.tenant_id AND f.id = e.file_id
            WHERE e.tenant_id = \(tenant.rawValue) AND e.id = \(id) AND e.state = 'completed' AND f.complete
            """
        )
        for try await (file, format) in rows.decode((UUID, String).self) {
            guard let format = DataFormat(rawValue: format) else { return nil }
            return (file, format)
        }
        return nil
    }

    /// Writes the next `limit` rows of an export as one chunk of its file, moving its keyset
    /// cursor in the same transaction. Rows go out in id order (the primary key: no other
    /// index needed, one pass over the tenant's rows in all), filtered by the date range.
    /// The export row is locked and waited for, and a stale job stops, as for imports.
    public func writeExportBatch(_ id: UUID, token: Int = 0, limit: Int, now: Date) async throws
        -> ImportBatchOutcome
    {
        let rows = try await query(
            """
            SELECT kind, format, range_from, range_to, file_id, state, after_id, next_chunk, run_token
            FROM exports WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            FOR UPDATE
            """
        )
        var found: PostgresRow?
        for try await row in rows { found = row }
        guard let row = found else { return .finished }
        let c = row.makeRandomAccess()
        guard try c.value(8, Int.self) == token else { return .stale }
        guard let kind = ExportKind(rawValue: try c.value(0, String.self)),
            let format = DataFormat(rawValue: try c.value(1, String.self)),
            let state = ExportState(rawValue: try c.value(5, String.self))
        else { throw JifenError(.internalError, "export \(id) has an unknown kind, format or state") }
        guard state == .queued || state == .running else { return .finished }
        let (from, to, file) = (try c.value(2, Date?.self), try c.value(3, Date?.self), try c.value(4, UUID.self))
        let after = try c.value(6, UUID?.self) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let chunk = try c.value(7, Int.self)
        let shape = ExportShape.of(kind)
        let projection: String
        switch format {
        case .ndjson:
            projection =
                "json_build_object("
                + shape.columns.map { "'\($0.name)', \($0.number ? $0.sql : "(\($0.sql))::text")" }.joined(
                    separator: ", "
                )
                + ")::text"
        case .csv:
            // Empty for NULL: a CSV cannot tell them apart (and arrays of NULLs do not decode).
            projection =
                "ARRAY[" + shape.columns.map { "coalesce((\($0.sql))::text, '')" }.joined(separator: ", ") + "]::text[]"
        }
        let page = try await query(
            """
            SELECT x.id, \(unescaped: projection) FROM \(unescaped: shape.from)
            WHERE x.tenant_id = \(tenant.rawValue) AND x.id > \(after)
              AND (\(from)::timestamptz IS NULL OR \(unescaped: shape.time) >= \(from)::timestamptz)
              AND (\(to)::timestamptz IS NULL OR \(unescaped: shape.time) < \(to)::timestamptz)
            ORDER BY x.id LIMIT \(limit)
            """
        )
        var text = ""
        if chunk == 0 && format == .csv {
            text = CSVTable(header: shape.columns.map(\.name)).text
        }
        var last: UUID?
        var count = 0
        for try await row in page {
            let columns = row.makeRandomAccess()
            last = try columns.value(0, UUID.self)
            count += 1
            switch format {
            case .ndjson:
                text += try columns.value(1, String.self)
                text += "\n"
            case .csv:
                text += CSVTable(header: try columns.value(1, [String].self)).text
            }
        }
        if !text.isEmpty {
            try await appendChunk(file: file, seq: chunk, data: ByteBuffer(string: text))
        }
        let finished = count < limit
        try await query(
            """
            UPDATE exports SET after_id = coalesce(\(last), after_id), next_chunk = next_chunk + \(text.isEmpty ? 0 : 1),
                rows = rows + \(Int64(count)), state = \(finished ? "completed" : "running"),
                finished_at = CASE WHEN \(finished) THEN \(now) END
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        if finished {
            try await completeFile(file)
            return .finished
        }
        return .more
    }
}
