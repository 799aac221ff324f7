import Foundation
import JifenCore
import NIOCore
import PostgresNIO

/// What one batch of an import did.
public enum ImportBatchOutcome: Sendable, Equatable {
    /// The job is a stale copy: another job carries on (the token moved on), this one stops.
    case stale
    /// More rows remain.
    case more
    /// Completed, cancelled or failed: nothing left to do.
    case finished
}

extension TenantConnection {
    /// Imports the next batch of up to `maxRows` rows of an import, in the caller's transaction,
    /// and moves its cursor in the same transaction: a worker killed at any point either
    /// committed the batch and its cursor, or neither, so no row is imported twice or skipped.
    /// The import row is locked first and waited for: a second run of the same job (redelivered
    /// while a killed worker's transaction was still open) goes on after it, from the cursor it
    /// committed. A job whose `token` is not the import's any more stops (``ImportBatchOutcome/stale``).
    public func processImportBatch(_ id: UUID, token: Int = 0, maxRows: Int, now: Date) async throws
        -> ImportBatchOutcome
    {
        let rows = try await query(
            """
            SELECT kind, format, points, file_id, size, state, next_byte, next_row, header, cancel_requested, run_token
            FROM imports WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            FOR UPDATE
            """
        )
        var found: PostgresRow?
        for try await row in rows { found = row }
        guard let row = found else { return .finished }
        guard try row.makeRandomAccess().value(10, Int.self) == token else { return .stale }
        let c = row.makeRandomAccess()
        guard let kind = ImportKind(rawValue: try c.value(0, String.self)),
            let format = DataFormat(rawValue: try c.value(1, String.self)),
            let points = ImportPoints(rawValue: try c.value(2, String.self)),
            let state = ImportState(rawValue: try c.value(5, String.self))
        else { throw JifenError(.internalError, "import \(id) has an unknown kind, format or state") }
        let (file, size, nextByte, nextRow) = (
            try c.value(3, UUID.self), try c.value(4, Int64.self), try c.value(6, Int64.self),
            try c.value(7, Int64.self)
        )
        var header = try c.value(8, [String]?.self)
        if state.isFinal { return .finished }
        if try c.value(9, Bool.self) {
            try await finishImport(id, state: .cancelled, now: now)
            return .finished
        }

        var records = FileRecords(connection: self, file: file, size: size, format: format, from: nextByte)
        var consumed = nextRow
        var errors: (rows: [Int64], fields: [String], messages: [String]) = ([], [], [])
        var copy = CopyText()
        var earliest: Double?
        var atEnd = false
        var decoder = ImportRecordDecoder(format: format, header: header ?? [])
        do {
            while copy.rows + errors.rows.count < maxRows {
                // Parsing is CPU work on the event loop this task runs on: other tasks on it (the
                // worker's other jobs) get their turn every few hundred rows.
                if consumed % 512 == 0 { await Task.yield() }
                guard let item = try await records.next() else {
                    atEnd = true
                    break
                }
                let number = format == .csv ? consumed : consumed + 1
                consumed += 1
                let needsHeader = format == .csv && header == nil
                guard case .record(let range) = item else {
                    if needsHeader {
                        throw ImportRowError("header", "is longer than \(ImportChunking.maxRowBytes) bytes")
                    }
                    errors.rows.append(number)
                    errors.fields.append("row")
                    errors.messages.append("is longer than \(ImportChunking.maxRowBytes) bytes")
                    continue
                }
                if needsHeader {
                    let names = try records.withRecord(range) { bytes throws(ImportRowError) in
                        try ImportRecordDecoder.header(bytes, kind: kind)
                    }
                    header = names
                    decoder = ImportRecordDecoder(format: format, header: names)
                    continue
                }
                let outcome: Result<Double?, ImportRowError> = records.withRecord(range) { bytes in
                    if ImportRecordDecoder.isBlank(bytes) { return .success(nil) }
                    do throws(ImportRowError) {
                        let fields = try decoder.fields(bytes)
                        return .success(try Self.stage(fields, kind: kind, row: number, into: &copy) ?? .nan)
                    } catch {
                        return .failure(error)
                    }
                }
                switch outcome {
                case .success(let seconds?):
                    if !seconds.isNaN { earliest = min(earliest ?? seconds, seconds) }
                case .success(nil):
                    continue
                case .failure(let error):
                    errors.rows.append(number)
                    errors.fields.append(error.field)
                    errors.messages.append(error.message)
                }
            }
        } catch let error as ImportRowError {
            // Only the header fails a whole import: without it no row can be read.
            try await finishImport(id, state: .failed, now: now, failure: "The header \(error.message).")
            return .finished
        }

        var counts = (imported: Int64(0), skipped: Int64(0), failed: Int64(errors.rows.count))
        if copy.rows > 0 {
            let staged = try await importStaged(
                copy,
                kind: kind,
                points: points,
                importID: id,
                firstBatch: nextByte == 0 || state == .queued,
                now: now
            )
            counts.imported += staged.imported
            counts.skipped += staged.skipped
            counts.failed += staged.failed
        }
        if !errors.rows.isEmpty {
            try await query(
                """
                INSERT INTO import_errors (tenant_id, import_id, row_number, field, message)
                SELECT \(tenant.rawValue), \(id), r, f, m
                FROM unnest(\(errors.rows)::bigint[], \(errors.fields)::text[], \(errors.messages)::text[]) AS e(r, f, m)
                ON CONFLICT DO NOTHING
                """
            )
        }
        let earliestAt = earliest.map { Date(timeIntervalSince1970: $0) }
        try await query(
            """
            UPDATE imports SET next_byte = \(records.offset), next_row = \(consumed), header = \(header),
                rows_imported = rows_imported + \(counts.imported), rows_skipped = rows_skipped + \(counts.skipped),
                rows_failed = rows_failed + \(counts.failed),
                earliest_at = least(earliest_at, \(earliestAt)),
                state = 'running', started_at = coalesce(started_at, \(now)), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        guard atEnd else { return .more }
        try await finishImport(id, state: .completed, now: now)
        return .finished
    }

    /// Hands the import over to a new `imports.process` job, in the transaction of the batch
    /// that ran last: the token moves on, so only the new job carries on.
    public func handOffImport(_ id: UUID, token: Int) async throws {
        try await query(
            """
            UPDATE imports SET run_token = \(token + 1) WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        try await enqueue(.processImport, payload: ImportJobPayload(importID: id, token: token + 1).json)
    }

    func finishImport(_ id: UUID, state: ImportState, now: Date, failure: String? = nil) async throws {
        let rows = try await query(
            """
            UPDATE imports SET state = \(state.rawValue), failure = \(failure), finished_at = \(now),
                started_at = coalesce(started_at, \(now)), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            RETURNING earliest_at
            """
        )
        // History was written from this day on: the stored report days from then are computed
        // again (a day before, in UTC, covers every zone's local day).
        for try await earliest in rows.decode(Date?.self) {
            if let earliest {
                let day = ReportDay(earliest, in: .gmt)
                try await resetReports(from: ReportDay(ordinal: day.ordinal - 1), now: now)
            }
        }
        try await recordAudit(
            .importFinished,
            target: id.uuidString.lowercased(),
            after: ["state": state.rawValue, "failure": failure]
        )
    }

    /// Appends a validated row to the COPY text of its kind's staging table; returns the
    /// earliest instant it carries.
    static func stage(_ fields: ImportFields, kind: ImportKind, row: Int64, into copy: inout CopyText)
        throws(ImportRowError)
        -> Double?
    {
        switch kind {
        case .members:
            let member = try MemberImportRow(fields)
            copy.field(row)
            copy.field(member.externalID)
            copy.field(member.profile.email)
            copy.field(member.profile.phone)
            copy.field(member.profile.name)
            copy.field(member.profile.tags.joined(separator: "\u{1F}"))
            copy.field(member.createdAt?.text, last: true)
            return member.createdAt?.seconds
        case .orders:
            let order = try OrderImportRow(fields)
            copy.field(row)
            copy.field(order.externalID)
            copy.field(order.member)
            copy.field(order.order?.currency)
            copy.field(order.order?.amount)
            copy.field(order.order?.status.rawValue)
            copy.field(order.order?.placedAt.text)
            copy.field(order.order?.paidAt?.text)
            copy.field(order.order?.cancelledAt?.text)
            copy.field(order.order?.refundedAt?.text)
            copy.field(order.refund?.id)
            copy.field(order.refund?.amount)
            copy.field(order.refund?.at.text, last: true)
            return order.earliest
        case .balances:
            let balance = try BalanceImportRow(fields)
            copy.field(row)
            copy.field(balance.id)
            copy.field(balance.member)
            copy.field(balance.points)
            copy.field(balance.earnedAt.text)
            copy.field(balance.expiresAt?.text)
            copy.field(balance.description, last: true)
            return balance.earnedAt.seconds
        }
    }
}
