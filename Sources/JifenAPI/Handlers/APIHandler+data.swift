import Foundation
import JifenCore
import JifenPostgres
import OpenAPIRuntime

extension APIHandler {
    public func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        let tenant = try RequestScope.tenant()
        let body: HTTPBody
        let sent: DataFormat
        switch input.body {
        case .csv(let file): (body, sent) = (file, .csv)
        case .applicationXNdjson(let file): (body, sent) = (file, .ndjson)
        }
        guard let kind = ImportKind(rawValue: input.query.kind.rawValue) else {
            throw JifenError(.badRequest, "kind: must be members, orders or balances")
        }
        let format = input.query.format.flatMap { DataFormat(rawValue: $0.rawValue) } ?? sent
        let points = input.query.points.flatMap { ImportPoints(rawValue: $0.rawValue) } ?? ImportPoints.none
        if points == .program && kind != .orders {
            throw JifenError(.badRequest, "points: applies to orders only")
        }
        let now = Date()
        let stored = try await database.storeFile(
            tenant,
            body: body,
            purpose: .import,
            contentType: format.contentType,
            maxSize: ImportChunking.maxFileSize,
            expiresAt: now.addingTimeInterval(FileRetention.interval)
        )
        let record = try await withTenant { connection in
            let record = try await connection.createImport(
                kind: kind,
                format: format,
                points: points,
                file: stored.file,
                size: stored.size
            )
            try await connection.recordAudit(
                .importCreated,
                target: record.id.uuidString.lowercased(),
                after: [
                    "kind": kind.rawValue, "format": format.rawValue, "points": points.rawValue,
                    "bytes": "\(stored.size)",
                ]
            )
            return record
        }
        logger.info(
            "import queued",
            metadata: ["import": "\(record.id)", "kind": "\(kind.rawValue)", "bytes": "\(stored.size)"]
        )
        return .accepted(.init(body: .json(.init(record, now: now))))
    }

    public func getImport(_ input: Operations.GetImport.Input) async throws -> Operations.GetImport.Output {
        let id = try Self.lookupUUID(input.path.id, kind: "import")
        guard let record = try await withTenant({ try await $0.importRecord(id) }) else {
            throw JifenError.notFound("no import '\(input.path.id)'")
        }
        return .ok(.init(body: .json(.init(record, now: Date()))))
    }

    public func getImportErrors(_ input: Operations.GetImportErrors.Input) async throws
        -> Operations.GetImportErrors.Output
    {
        let tenant = try RequestScope.tenant()
        let id = try Self.lookupUUID(input.path.id, kind: "import")
        guard try await withTenant({ try await $0.importRecord(id) }) != nil else {
            throw JifenError.notFound("no import '\(input.path.id)'")
        }
        let stream = database.importErrorsCSV(tenant, id: id)
        return .ok(.init(body: .csv(HTTPBody(stream, length: .unknown, iterationBehavior: .single))))
    }

    public func cancelImport(_ input: Operations.CancelImport.Input) async throws -> Operations.CancelImport.Output {
        let id = try Self.lookupUUID(input.path.id, kind: "import")
        let now = Date()
        let cancelled = try await withTenant { connection -> ImportRecord? in
            guard let record = try await connection.cancelImport(id, now: now) else { return nil }
            try await connection.recordAudit(.importCancelled, target: id.uuidString.lowercased())
            return record
        }
        guard let record = cancelled else {
            throw JifenError.notFound("no import '\(input.path.id)'")
        }
        return .ok(.init(body: .json(.init(record, now: now))))
    }

    public func createExport(_ input: Operations.CreateExport.Input) async throws -> Operations.CreateExport.Output {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        guard let kind = ExportKind(rawValue: body.kind.rawValue),
            let format = DataFormat(rawValue: body.format.rawValue)
        else { throw JifenError.invalid("kind", "must be members, orders, ledger or lots") }
        if let from = body.from, let to = body.to, to <= from {
            throw JifenError.invalid("to", "must be after from")
        }
        let now = Date()
        let record = try await withTenant { connection in
            let record = try await connection.createExport(
                kind: kind,
                format: format,
                from: body.from,
                to: body.to,
                now: now
            )
            try await connection.recordAudit(
                .exportCreated,
                target: record.id.uuidString.lowercased(),
                after: [
                    "kind": kind.rawValue, "format": format.rawValue, "from": body.from?.formatted(.iso8601),
                    "to": body.to?.formatted(.iso8601),
                ]
            )
            return record
        }
        return .accepted(.init(body: .json(.init(record))))
    }

    public func getExport(_ input: Operations.GetExport.Input) async throws -> Operations.GetExport.Output {
        let id = try Self.lookupUUID(input.path.id, kind: "export")
        guard let record = try await withTenant({ try await $0.exportRecord(id) }) else {
            throw JifenError.notFound("no export '\(input.path.id)'")
        }
        return .ok(.init(body: .json(.init(record))))
    }

    public func getExportFile(_ input: Operations.GetExportFile.Input) async throws -> Operations.GetExportFile.Output {
        let tenant = try RequestScope.tenant()
        let id = try Self.lookupUUID(input.path.id, kind: "export")
        let found = try await withTenant { connection -> (ExportRecord, (UUID, DataFormat)?)? in
            guard let record = try await connection.exportRecord(id) else { return nil }
            return (record, try await connection.exportFile(id))
        }
        guard let (record, file) = found else { throw JifenError.notFound("no export '\(input.path.id)'") }
        guard let (fileID, format) = file else {
            if record.state == .completed { throw JifenError.notFound("export '\(input.path.id)' has expired") }
            throw JifenError.conflict("export '\(input.path.id)' is \(record.state.rawValue); its file is not ready")
        }
        // One chunk per transaction as the client reads: the API never holds the whole file.
        let body = HTTPBody(
            database.fileContents(tenant, file: fileID),
            length: .known(record.size),
            iterationBehavior: .single
        )
        return .ok(.init(body: format == .csv ? .csv(body) : .applicationXNdjson(body)))
    }
}

extension Components.Schemas.Import {
    init(_ record: ImportRecord, now: Date) {
        self.init(
            id: record.id.uuidString.lowercased(),
            kind: .init(rawValue: record.kind.rawValue) ?? .members,
            format: .init(rawValue: record.format.rawValue) ?? .csv,
            points: Components.Schemas.Import.PointsPayload(rawValue: record.points.rawValue)
                ?? Components.Schemas.Import.PointsPayload.none,
            state: .init(rawValue: record.state.rawValue) ?? .queued,
            size: record.size,
            progress: .init(
                bytesDone: record.bytesDone,
                rowsDone: record.rowsDone,
                rowsImported: record.rowsImported,
                rowsSkipped: record.rowsSkipped,
                rowsFailed: record.rowsFailed,
                rate: record.rate(now: now).map { ($0 * 10).rounded() / 10 },
                estimatedCompletionAt: record.estimatedCompletion(now: now)
            ),
            cancelRequested: record.cancelRequested,
            failure: record.failure,
            createdAt: record.createdAt,
            startedAt: record.startedAt,
            finishedAt: record.finishedAt
        )
    }
}

extension Components.Schemas.Export {
    init(_ record: ExportRecord) {
        self.init(
            id: record.id.uuidString.lowercased(),
            kind: .init(rawValue: record.kind.rawValue) ?? .members,
            format: .init(rawValue: record.format.rawValue) ?? .csv,
            from: record.from,
            to: record.to,
            state: .init(rawValue: record.state.rawValue) ?? .queued,
            rows: record.rows,
            size: record.size,
            failure: record.failure,
            createdAt: record.createdAt,
            finishedAt: record.finishedAt,
            expiresAt: record.expiresAt
        )
    }
}
