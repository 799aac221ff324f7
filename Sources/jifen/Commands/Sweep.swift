import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres
import JifenWorker

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a periodic sweep now, for one tenant or all, without the queue.",
        discussion: """
            KIND is one of: release (pending points whose window passed), expire (lots past expiry), \
            remind (points.expiring reminders), holds (expired redemption holds), installments \
            (staged bonuses due), events (new events to webhook deliveries), tiers (the daily tier \
            evaluation: downgrades after the grace period), lapses (member.lapsed past the repurchase \
            window), all. The workers' scheduler runs these every SCHEDULER_INTERVAL \
            seconds; this is for operators and for after an outage.
            """
    )

    static let kinds: [String: JobKind] = [
        "release": .releasePoints, "expire": .expireLots, "remind": .remindExpiring, "holds": .expireHolds,
        "installments": .grantInstallments, "events": .fanOutEvents, "tiers": .evaluateTiers,
        "lapses": .detectLapses, "coupons": .expireCoupons, "coupon-reminders": .remindCoupons,
        "wallets": .sweepWallets, "lapsing": .detectCategoryLapses, "journeys": .advanceJourneys,
        "reports": .aggregateReports, "files": .expireFiles,
    ]

    @Argument(
        help:
            "release, expire, remind, holds, installments, events, tiers, lapses, coupons, coupon-reminders, wallets, lapsing, journeys, reports, files or all."
    ) var kind: String
    @Option(name: .customLong("tenant"), help: "Only this tenant (repeat for several).") var tenants: [String] = []

    func validate() throws {
        guard kind == "all" || Self.kinds[kind] != nil else {
            throw ValidationError("KIND must be one of \((Self.kinds.keys.sorted() + ["all"]).joined(separator: ", "))")
        }
        for tenant in tenants where TenantID(tenant) == nil { throw ValidationError("'\(tenant)' is not a tenant id") }
    }

    func run() async throws {
        let (settings, logger) = try startUp("jifen.sweep")
        let connections = try Connections(settings: settings, logger: logger)
        let wanted = kind == "all" ? Scheduler.sweeps : [Self.kinds[kind]].compactMap { $0 }
        let handlers = PointsHandlers.all(database: connections.database, logger: logger).filter {
            wanted.contains($0.kind)
        }
        let count = try await connections.withRunningClient {
            var ids = tenants.compactMap { TenantID($0) }
            if ids.isEmpty { ids = try await TenantStore(database: connections.database).allIDs() }
            for tenant in ids {
                for handler in handlers {
                    try await handler.handle(Job(id: "sweep:cli", kind: handler.kind, tenant: tenant, payload: "{}"))
                }
            }
            return ids.count
        }
        print("swept \(count) tenants: \(wanted.map(\.name).joined(separator: ", "))")
    }
}
