import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `order.score`: awards a paid order's points, once. Orders not (yet) paid are left alone:
/// the job their payment queues will score them.
public struct ScoreOrderHandler: JobHandler {
    public let kind = JobKind.scoreOrder
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    struct Payload: Decodable {
        var orderID: UUID
        enum CodingKeys: String, CodingKey { case orderID = "order_id" }
    }

    public func handle(_ job: Job) async throws {
        guard let tenant = job.tenant else { throw PermanentJobFailure("order.score without a tenant") }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) else {
            throw PermanentJobFailure("order.score payload is not {\"order_id\": uuid}")
        }
        let outcome = try await database.withTenant(tenant) { try await $0.scoreOrder(payload.orderID) }
        if case .awarded(let points) = outcome {
            logger.info(
                "order scored",
                metadata: ["tenant_id": "\(tenant)", "order_id": "\(payload.orderID)", "points": "\(points)"]
            )
        }
    }
}
