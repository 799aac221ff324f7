import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `order.score`: brings an order's points in line with its state — awards them once it is
/// paid, takes them back when it is cancelled or refunded. Idempotent: a second run finds the
/// work done.
public struct ScoreOrderHandler: JobHandler {
    public let kind = JobKind.scoreOrder
    let database: Database
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(database: Database, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    struct Payload: Decodable {
        var orderID: UUID
        enum CodingKeys: String, CodingKey { case orderID = "order_id" }
    }

    public func handle(_ job: Job) async throws {
        let (tenant, payload) = try job.tenantAndPayload(Payload.self, shape: #"{"order_id": uuid}"#)
        let now = clock()
        let settlement = try await database.withTenant(tenant) { try await $0.settleOrder(payload.orderID, now: now) }
        guard let settlement else { return }
        if let award = settlement.award {
            logger.info(
                "order scored",
                metadata: [
                    "tenant_id": "\(tenant)", "order_id": "\(payload.orderID)", "points": "\(award.points)",
                    "reason": "\(award.reason?.rawValue ?? "-")",
                ]
            )
        }
        if settlement.clawedBack > 0 || settlement.forgiven > 0 {
            logger.info(
                "order points taken back",
                metadata: [
                    "tenant_id": "\(tenant)", "order_id": "\(payload.orderID)",
                    "points": "\(settlement.clawedBack)", "forgiven": "\(settlement.forgiven)",
                ]
            )
        }
    }
}
