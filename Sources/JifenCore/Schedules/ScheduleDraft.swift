import Foundation

/// A staged bonus as a shop asks for it: `total` points granted in `installments` equal parts,
/// one per week or month from `start` ("top up 200, get 200 back over 10 months").
public struct ScheduleDraft: Sendable, Hashable {
    /// The same periods as a wallet installment plan: both are planned by ``InstallmentPlan``.
    public typealias Period = InstallmentPeriod

    /// One planned grant.
    public struct Installment: Sendable, Hashable {
        /// 1-based.
        public var number: Int
        public var dueAt: Date
        public var points: Int64
    }

    public static let maxInstallments = 120

    public var total: Int64
    public var installments: Int
    public var period: Period
    public var start: Date
    public var reason: String
    /// The shop's reference for what it is for (an order id for a top-up); refunding or
    /// cancelling that order stops what has not been granted yet.
    public var sourceReference: String?

    public init(total: Int64, installments: Int, period: Period, start: Date, reason: String, sourceReference: String?)
    {
        self.total = total
        self.installments = installments
        self.period = period
        self.start = start
        self.reason = reason
        self.sourceReference = sourceReference
    }

    public static func validate(
        total: Int64,
        installments: Int,
        period: Period,
        start: Date,
        reason: String,
        sourceReference: String?
    ) throws(JifenError) -> ScheduleDraft {
        var v = Validator()
        if !(1...1_000_000_000).contains(total) { v.fail("total_points", "must be between 1 and 1000000000") }
        if !(1...maxInstallments).contains(installments) {
            v.fail("installments", "must be between 1 and \(maxInstallments)")
        } else if total < Int64(installments) {
            v.fail("installments", "must not exceed total_points: every installment grants at least 1 point")
        }
        if !ActivityRule.isValidType(reason) {
            v.fail("reason", "must be 1–64 characters from a-z 0-9 _ . -, starting with a letter")
        }
        v.text(sourceReference, "source_reference", max: 128)
        try v.finish()
        return ScheduleDraft(
            total: total,
            installments: installments,
            period: period,
            start: start,
            reason: reason,
            sourceReference: sourceReference
        )
    }

    /// The installments, in order. Points split evenly; the remainder goes to the first ones
    /// (200 in 3 → 67, 67, 66), so the sum is exactly `total`. Months count by the calendar of
    /// `zone` (a 31 January start falls on the last day of shorter months). See
    /// ``InstallmentPlan/plan(total:count:period:start:remainderFirst:in:)``.
    public func plan(in zone: TimeZone) -> [Installment] {
        InstallmentPlan.plan(
            total: total,
            count: installments,
            period: period,
            start: start,
            remainderFirst: true,
            in: zone
        ).map { Installment(number: $0.number, dueAt: $0.dueAt, points: $0.amount) }
    }
}
