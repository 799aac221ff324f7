import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `campaigns.run`: grants a grant campaign's members, 500 per transaction, until none is
/// left. A worker killed midway loses at most its open batch; the job comes back (visibility
/// timeout) and the next run starts from the members not granted yet. Two runs at once split
/// the work (rows being granted are skipped, not waited for).
public struct CampaignHandler: JobHandler {
    public let kind = JobKind.runCampaign
    let database: Database
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(database: Database, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    struct Payload: Decodable {
        var campaignID: UUID
        enum CodingKeys: String, CodingKey { case campaignID = "campaign_id" }
    }

    public func handle(_ job: Job) async throws {
        let (tenant, payload) = try job.tenantAndPayload(Payload.self, shape: #"{"campaign_id": uuid}"#)
        var total = 0
        while true {
            let granted = try await database.withTenant(tenant) {
                try await $0.grantCampaignBatch(payload.campaignID, limit: SweepHandler.batchSize, now: clock())
            }
            if granted == 0 { break }
            total += granted
        }
        if total > 0 {
            logger.info("campaign granted", metadata: ["campaign": "\(payload.campaignID)", "members": "\(total)"])
        }
    }
}
