/// A schedule granted one of its installments: installment `installment` of `installments`.
public struct InstallmentGranted: MemberStreamEvent, Equatable {
    public static let types = ["schedule.installment_granted"]
    public var type: String { "schedule.installment_granted" }

    public var points: Int64
    public var available: Int64
    public var pending: Int64
    public var schedule: String
    public var installment: Int64
    public var installments: Int64

    public init(
        points: Int64,
        available: Int64,
        pending: Int64,
        schedule: String,
        installment: Int64,
        installments: Int64
    ) {
        self.points = points
        self.available = available
        self.pending = pending
        self.schedule = schedule
        self.installment = installment
        self.installments = installments
    }
}
