import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import NIOConcurrencyHelpers
import Testing

@testable import JifenWorker

/// The scaffolding every tenant job shares: malformed jobs fail for good, work runs in batches
/// as the tenant until told to stop.
@Suite struct TenantJobHandlerTests {
    @Test func aJobWithoutTenantOrWithABadPayloadFailsPermanently() async throws {
        let servers = try await TestServers.shared.ready()
        let handler = CampaignHandler(database: servers.database, logger: servers.logger)
        let (tenant, _) = try await servers.makeTenant()
        let noTenant = Job(id: "t:1", kind: .runCampaign, tenant: nil, payload: #"{"campaign_id":"\#(UUID())"}"#)
        let error = await #expect(throws: PermanentJobFailure.self) { try await handler.handle(noTenant) }
        #expect(error?.description == "campaigns.run without a tenant")
        let badPayload = Job(id: "t:2", kind: .runCampaign, tenant: tenant.id, payload: #"{"campaign":1}"#)
        let refused = await #expect(throws: PermanentJobFailure.self) { try await handler.handle(badPayload) }
        #expect(refused?.description == #"campaigns.run payload is not {"campaign_id": uuid}"#)
    }

    @Test func batchesRunAsTheTenantUntilAShortOne() async throws {
        let servers = try await TestServers.shared.ready()
        let (tenant, _) = try await servers.makeTenant()
        let seen = NIOLockedValueBox<[(TenantID, Int)]>([])
        let handler = TenantJobHandler(kind: "test.batches", database: servers.database, logger: servers.logger) {
            job in
            let total = try await job.inBatches(until: { $0 < 3 }) { connection in
                let count = seen.withLockedValue { $0.count }
                seen.withLockedValue { $0.append((connection.tenant, count)) }
                return [3, 3, 1, 3][count]
            }
            #expect(total == 7)
        }
        // A sweep ignores whatever payload the job carries.
        try await handler.handle(Job(id: "t:3", kind: "test.batches", tenant: tenant.id, payload: "not json"))
        #expect(seen.withLockedValue { $0.map(\.0) } == [tenant.id, tenant.id, tenant.id])
    }
}
