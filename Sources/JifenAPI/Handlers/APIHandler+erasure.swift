import Foundation
import JifenCore
import JifenPostgres
import OpenAPIRuntime

/// A customer's rights over its data (docs/privacy.md): erasure and the personal-data export.
extension APIHandler {
    public func eraseMember(_ input: Operations.EraseMember.Input) async throws -> Operations.EraseMember.Output {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let allowReuse = input.query.allowReuse ?? false
        let erasure = try await withTenant { connection -> Erasure? in
            guard let erasure = try await connection.eraseMember(externalID, allowReuse: allowReuse) else { return nil }
            // By the token: the member's old id is exactly what the erasure removed.
            try await connection.recordAudit(
                .memberErased,
                member: try ExternalID(erasure.token),
                after: ["allow_reuse": erasure.allowReuse]
            )
            return erasure
        }
        guard let erasure else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(member: erasure.token, erasedAt: erasure.erasedAt, allowReuse: erasure.allowReuse)
                )
            )
        )
    }

    public func getPersonalData(_ input: Operations.GetPersonalData.Input) async throws
        -> Operations.GetPersonalData.Output
    {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let found = try await withTenant { connection -> (PersonalData, TierRules?)? in
            guard let data = try await connection.personalData(externalID) else { return nil }
            try await connection.recordAudit(.memberPersonalDataExported, member: externalID)
            return (data, try await connection.program().tiers)
        }
        guard let (data, tiers) = found else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        generatedAt: Date(),
                        member: .init(data.member, tiers: tiers),
                        orders: data.orders.map { .init($0.order, points: $0.points) },
                        ledger: data.ledger.map(Components.Schemas.LedgerEntry.init),
                        lots: data.lots.map(Components.Schemas.Lot.init),
                        coupons: data.coupons.map(Components.Schemas.Coupon.init),
                        referrals: data.referrals.map(Components.Schemas.Referral.init),
                        referredBy: data.referredBy.map(Components.Schemas.Referral.init),
                        rewardClaims: data.rewardClaims.map(Components.Schemas.RewardClaim.init),
                        schedules: data.schedules.map(Components.Schemas.Schedule.init),
                        wallets: data.wallets.map(Components.Schemas.Wallet.init),
                        walletEntries: data.walletEntries.map(Components.Schemas.WalletEntry.init),
                        checkIns: data.checkIns.map(Components.Schemas.CheckIn.init),
                        activities: try data.activities.map(Self.exported)
                    )
                )
            )
        )
    }

    /// An activity with the metadata the shop sent, which the other answers leave out.
    static func exported(_ activity: Activity) throws -> Components.Schemas.Activity {
        var schema = Components.Schemas.Activity(activity)
        if let metadata = activity.metadata {
            schema.metadata = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(metadata.utf8))
        }
        return schema
    }
}
