import Foundation

/// What every report is asked for: a range of local days and how to group them. Validated
/// here, so every report refuses the same things the same way.
public struct ReportQuery: Sendable, Hashable {
    /// A report has at most this many periods (a year and a month of days, ten years of months).
    public static let maximumPeriods = 400
    public var from: ReportDay
    public var to: ReportDay
    public var period: ReportPeriod

    public init(from: ReportDay, to: ReportDay, period: ReportPeriod) {
        self.from = from
        self.to = to
        self.period = period
    }

    /// The query from request parameters. `to` defaults to `today`, `from` to the first day of
    /// the month eleven months before `to` (a year of months), `period` to `month`.
    public static func make(from: String?, to: String?, period: String?, today: ReportDay) throws(JifenError)
        -> ReportQuery
    {
        var validator = Validator()
        let kind = period.map { ReportPeriod(rawValue: $0) } ?? .month
        if kind == nil { validator.fail("period", "must be day, week or month") }
        let end = to.map { ReportDay($0) } ?? today
        if end == nil { validator.fail("to", "must be a date YYYY-MM-DD") }
        let asked = from.map { ReportDay($0) }
        if asked == .some(nil) { validator.fail("from", "must be a date YYYY-MM-DD") }
        try validator.finish()
        guard let kind, let end else { return ReportQuery(from: today, to: today, period: .month) }
        var start = end.start(of: .month)
        for _ in 0..<11 { start = start.adding(days: -1).start(of: .month) }
        if let asked, let asked { start = asked }
        if start > end { validator.fail("from", "must not be after 'to' (\(end))") }
        let query = ReportQuery(from: start, to: end, period: kind)
        if start <= end, query.periods.count > maximumPeriods {
            validator.fail("period", "the range has more than \(maximumPeriods) periods of a \(kind.rawValue)")
        }
        try validator.finish()
        return query
    }

    /// Each period of the range: its first day (which may be before `from`, as a week or month
    /// starts) and the last day of it the report covers (never after `to`).
    public var periods: [(start: ReportDay, through: ReportDay)] {
        var result: [(ReportDay, ReportDay)] = []
        var start = from.start(of: period)
        while start <= to, result.count <= Self.maximumPeriods {
            let end = start.end(of: period)
            result.append((start, min(end, to)))
            start = end.adding(days: 1)
        }
        return result
    }
}
