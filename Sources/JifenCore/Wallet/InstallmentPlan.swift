import Foundation

/// How far apart the installments of a plan fall.
public enum InstallmentPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    case week, month
}

/// One planned payment of an installment plan.
public struct PlannedInstallment: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    public var dueAt: Date
    /// Minor units or points, whatever the plan splits.
    public var amount: Int64

    public init(number: Int, dueAt: Date, amount: Int64) {
        self.number = number
        self.dueAt = dueAt
        self.amount = amount
    }
}

/// Splits a total into equal payments a week or a month apart: staged point bonuses
/// (``ScheduleDraft``) and a top-up offer's wallet bonus (``TopUpOffer``) share it, so both
/// round and fall on the same days.
public enum InstallmentPlan {
    /// The installments, in order.
    ///
    /// - `total` splits evenly; the remainder (`total % count`) adds 1 to each of the first
    ///   installments when `remainderFirst` (100 in 3 → 34, 33, 33), else to the last ones
    ///   (33, 33, 34). The amounts sum exactly to `total`.
    /// - The first installment is due at `start`. Weeks are 7 calendar days of `zone`; months
    ///   count by its calendar, each from `start` rather than from the previous one, so a
    ///   31 January start falls on the last day of shorter months and is back on the 31st in
    ///   March.
    /// - Callers validate `count` (staged bonuses and offers allow 1...120) and `total`
    ///   ≥ `count`; a `count` below 1 or a negative `total` plans nothing rather than trap.
    public static func plan(
        total: Int64,
        count: Int,
        period: InstallmentPeriod,
        start: Date,
        remainderFirst: Bool,
        in zone: TimeZone
    ) -> [PlannedInstallment] {
        guard count >= 1, total >= 0 else { return [] }
        let calendar = Calendar.gregorian(in: zone)
        let base = total / Int64(count)
        // Less than `count`, so it fits an `Int`.
        let extra = Int(total % Int64(count))
        return (0..<count).map { index in
            let due: Date? =
                switch period {
                case .week: calendar.date(byAdding: .day, value: 7 * index, to: start)
                case .month: calendar.date(byAdding: .month, value: index, to: start)
                }
            let getsOne = remainderFirst ? index < extra : index >= count - extra
            return PlannedInstallment(number: index + 1, dueAt: due ?? start, amount: base + (getsOne ? 1 : 0))
        }
    }
}
