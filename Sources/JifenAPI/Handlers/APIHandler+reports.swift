import Foundation
import JifenCore
import JifenPostgres
import OpenAPIRuntime

/// The reports (docs/reports.md): JSON, or the same figures as CSV for `Accept: text/csv`.
extension APIHandler {
    public func getPointsLiabilityReport(_ input: Operations.GetPointsLiabilityReport.Input) async throws
        -> Operations.GetPointsLiabilityReport.Output
    {
        let query = input.query
        let report = try await withTenant { connection in
            let asked = try await connection.reportQuery(from: query.from, to: query.to, period: query.period?.rawValue)
            return try await connection.liabilityReport(asked)
        }
        if Self.wantsCSV(input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }) {
            return .ok(.init(body: .csv(HTTPBody(report.csv.text))))
        }
        return .ok(.init(body: .json(try Self.reshape(report))))
    }

    public func getPointsFlowsReport(_ input: Operations.GetPointsFlowsReport.Input) async throws
        -> Operations.GetPointsFlowsReport.Output
    {
        let query = input.query
        let report = try await withTenant { connection in
            let asked = try await connection.reportQuery(from: query.from, to: query.to, period: query.period?.rawValue)
            return try await connection.flowsReport(asked)
        }
        if Self.wantsCSV(input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }) {
            return .ok(.init(body: .csv(HTTPBody(report.csv.text))))
        }
        return .ok(.init(body: .json(try Self.reshape(report))))
    }

    public func getMembersReport(_ input: Operations.GetMembersReport.Input) async throws
        -> Operations.GetMembersReport.Output
    {
        let query = input.query
        let report = try await withTenant { connection in
            let asked = try await connection.reportQuery(from: query.from, to: query.to, period: query.period?.rawValue)
            return try await connection.membersReport(asked)
        }
        if Self.wantsCSV(input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }) {
            return .ok(.init(body: .csv(HTTPBody(report.csv.text))))
        }
        return .ok(.init(body: .json(try Self.reshape(report))))
    }

    public func getRepeatPurchaseReport(_ input: Operations.GetRepeatPurchaseReport.Input) async throws
        -> Operations.GetRepeatPurchaseReport.Output
    {
        let query = input.query
        let report = try await withTenant { connection in
            let asked = try await connection.reportQuery(from: query.from, to: query.to, period: query.period?.rawValue)
            return try await connection.repeatPurchaseReport(asked)
        }
        if Self.wantsCSV(input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }) {
            return .ok(.init(body: .csv(HTTPBody(report.csv.text))))
        }
        return .ok(.init(body: .json(try Self.reshape(report))))
    }

    public func getProgramsReport(_ input: Operations.GetProgramsReport.Input) async throws
        -> Operations.GetProgramsReport.Output
    {
        let query = input.query
        let report = try await withTenant { connection in
            let asked = try await connection.reportQuery(from: query.from, to: query.to, period: query.period?.rawValue)
            return try await connection.programsReport(asked)
        }
        if Self.wantsCSV(input.headers.accept.map { ($0.contentType == .csv, $0.contentType == .json, $0.quality) }) {
            return .ok(.init(body: .csv(HTTPBody(report.csv.text))))
        }
        return .ok(.init(body: .json(try Self.reshape(report))))
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
