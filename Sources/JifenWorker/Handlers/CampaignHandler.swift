import Foundation
import JifenCore
import JifenPostgres
import Logging

/// `campaigns.run`: grants a grant campaign's members, 500 per transaction, until none is
/// left. A worker killed midway loses at most its open batch; the job comes back (visibility
/// timeout) and the next run starts from the members not granted yet. Two runs at once split
/// the work (rows being granted are skipped, not waited for).
public typealias CampaignHandler = TenantJobHandler<CampaignPayload>

/// `{"campaign_id": uuid}`
public struct CampaignPayload: Decodable, Sendable {
    var campaignID: UUID
    enum CodingKeys: String, CodingKey { case campaignID = "campaign_id" }
}

extension TenantJobHandler where Payload == CampaignPayload {
    public init(database: Database, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(
            kind: .runCampaign,
            payload: CampaignPayload.self,
            shape: #"{"campaign_id": uuid}"#,
            database: database,
            logger: logger,
            clock: clock
        ) { job in
            let campaign = job.payload.campaignID
            // A fresh `now` per batch: a long campaign's grants are dated as they happen.
            let total = try await job.inBatches(until: { $0 == 0 }) {
                try await $0.grantCampaignBatch(campaign, limit: SweepHandler.batchSize, now: job.now)
            }
            if total > 0 { job.log("campaign granted", ["campaign": "\(campaign)", "members": "\(total)"]) }
        }
    }
}
