import Foundation
import JifenCore
import JifenPostgres
import OpenAPIRuntime

/// The reports (docs/reports.md): JSON, or the same figures as CSV for `Accept: text/csv`.
extension APIHandler {
    public func getPointsLiabilityReport(_ input: Operations.GetPointsLiabilityReport.Input) async throws
        -> Operations.GetPointsLiabilityReport.Output
    {
        let (report, csv) = try await read(
            input.query.from,
            input.query.to,
            input.query.period?.rawValue,
            csv: input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }
        ) { try await $0.liabilityReport($1, context: $2) }
        return .ok(.init(body: csv ? .csv(HTTPBody(report.csv.text)) : .json(try Self.reshape(report))))
    }

    public func getPointsFlowsReport(_ input: Operations.GetPointsFlowsReport.Input) async throws
        -> Operations.GetPointsFlowsReport.Output
    {
        let (report, csv) = try await read(
            input.query.from,
            input.query.to,
            input.query.period?.rawValue,
            csv: input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }
        ) { try await $0.flowsReport($1, context: $2) }
        return .ok(.init(body: csv ? .csv(HTTPBody(report.csv.text)) : .json(try Self.reshape(report))))
    }

    public func getMembersReport(_ input: Operations.GetMembersReport.Input) async throws
        -> Operations.GetMembersReport.Output
    {
        let (report, csv) = try await read(
            input.query.from,
            input.query.to,
            input.query.period?.rawValue,
            csv: input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }
        ) { try await $0.membersReport($1, context: $2) }
        return .ok(.init(body: csv ? .csv(HTTPBody(report.csv.text)) : .json(try Self.reshape(report))))
    }

    public func getRepeatPurchaseReport(_ input: Operations.GetRepeatPurchaseReport.Input) async throws
        -> Operations.GetRepeatPurchaseReport.Output
    {
        let (report, csv) = try await read(
            input.query.from,
            input.query.to,
            input.query.period?.rawValue,
            csv: input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }
        ) { try await $0.repeatPurchaseReport($1, context: $2) }
        return .ok(.init(body: csv ? .csv(HTTPBody(report.csv.text)) : .json(try Self.reshape(report))))
    }

    public func getProgramsReport(_ input: Operations.GetProgramsReport.Input) async throws
        -> Operations.GetProgramsReport.Output
    {
        let (report, csv) = try await read(
            input.query.from,
            input.query.to,
            input.query.period?.rawValue,
            csv: input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }
        ) { try await $0.programsReport($1, context: $2) }
        return .ok(.init(body: csv ? .csv(HTTPBody(report.csv.text)) : .json(try Self.reshape(report))))
    }

    /// Reads a report for the asked range in the tenant's transaction, and whether to answer
    /// it as CSV.
    func read<Report: ReportDocument>(
        _ from: String?,
        _ to: String?,
        _ period: String?,
        csv accepted: [(csv: Bool, json: Bool, quality: QualityValue)],
        _ body: @Sendable (TenantConnection, ReportQuery, TenantConnection.ReportContext) async throws -> Report
    ) async throws -> (Report, Bool) {
        let report = try await withTenant { connection in
            let (query, context) = try await connection.reportQuery(from: from, to: to, period: period)
            return try await body(connection, query, context)
        }
        return (report, Self.wantsCSV(accepted))
    }

    /// CSV when the client prefers it to JSON (by `Accept` quality; JSON on a tie or without
    /// `Accept`).
    static func wantsCSV(_ accepted: [(csv: Bool, json: Bool, quality: QualityValue)]) -> Bool {
        let csv = accepted.filter(\.csv).map(\.quality.doubleValue).max()
        let json = accepted.filter(\.json).map(\.quality.doubleValue).max()
        guard let csv, csv > 0 else { return false }
        return csv > (json ?? 0)
    }

    /// The report in the API's generated type: the core struct encodes in the spec's shape
    /// (snake_case keys), and decoding it checks that the two agree.
    static func reshape<Report: Encodable, Schema: Decodable>(_ report: Report) throws -> Schema {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try JSONDecoder().decode(Schema.self, from: try encoder.encode(report))
    }
}
