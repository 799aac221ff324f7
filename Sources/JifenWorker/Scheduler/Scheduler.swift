import Foundation
import JifenCore
import JifenPostgres
import JifenRedis
import Logging
import ServiceLifecycle

/// Enqueues the periodic sweeps — one job per tenant and kind, for the tenants that have
/// something due (found by one query per kind across tenants) — from whichever worker holds the
/// scheduler lease. Every worker runs one; only
/// the holder enqueues. When the holder dies its lease runs out and another worker takes over
/// within `leaseTTL`; on a graceful shutdown it gives the lease up at once.
public struct Scheduler: Service {
    public struct Configuration: Sendable {
        /// How often each sweep runs per tenant.
        public var interval: Duration
        /// How long the lease outlives its holder's last renewal.
        public var leaseTTL: Duration
        /// The sweeps to enqueue.
        public var kinds: [JobKind]
        /// Sweep only these tenants (workers pinned with `WORKER_TENANTS`); `nil`: all.
        public var tenants: [TenantID]?

        public init(
            interval: Duration = .seconds(60),
            leaseTTL: Duration = .seconds(10),
            kinds: [JobKind] = Scheduler.sweeps,
            tenants: [TenantID]? = nil
        ) {
            self.interval = interval
            self.leaseTTL = leaseTTL
            self.kinds = kinds
            self.tenants = tenants
        }

        /// The lease this configuration competes for: one for all unpinned workers, one per set
        /// of pinned tenants, so each group of pinned workers schedules its own tenants.
        public func leaseKey(_ keys: QueueKeys) -> String {
            guard let tenants else { return keys.schedulerLease }
            let names = tenants.map(\.description).sorted().joined(separator: ",")
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across processes, unlike hashValue
            for byte in names.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return "\(keys.schedulerLease):\(String(hash, radix: 16))"
        }
    }

    /// Every periodic sweep the workers know.
    public static let sweeps: [JobKind] = [
        .releasePoints, .expireLots, .remindExpiring, .expireHolds, .grantInstallments, .evaluateTiers, .detectLapses,
        .expireCoupons, .remindCoupons, .sweepWallets, .detectCategoryLapses, .advanceJourneys, .aggregateReports,
        .expireFiles,
        .fanOutEvents,
    ]

    let lease: Lease
    let queue: JobQueue
    let tenants: TenantStore
    let configuration: Configuration
    let logger: Logger

    public init(lease: Lease, queue: JobQueue, tenants: TenantStore, configuration: Configuration, logger: Logger) {
        self.lease = lease
        self.queue = queue
        self.tenants = tenants
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Check the lease several times per TTL, so it never lapses while the holder lives,
        // and a waiting worker notices a free lease soon after it expires.
        let tick = min(configuration.interval, configuration.leaseTTL / 3)
        await cancelWhenGracefulShutdown {
            var holding = false
            var nextRun = ContinuousClock.now
            while !Task.isCancelled {
                do {
                    let holds = try await lease.acquireOrRenew()
                    if holds != holding {
                        logger.info(
                            holds ? "scheduler lease taken" : "scheduler lease lost",
                            metadata: ["holder": "\(lease.holder)"]
                        )
                        holding = holds
                        nextRun = .now
                    }
                    if holds, ContinuousClock.now >= nextRun {
                        nextRun = .now + configuration.interval
                        let count = try await enqueueSweeps()
                        logger.debug("sweeps enqueued", metadata: ["jobs": "\(count)"])
                    }
                } catch {
                    logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: tick)
            }
            // This task is cancelled by now; the release must still reach Redis.
            if holding { await Task.detached { [lease] in try? await lease.release() }.value }
        }
    }

    /// One job per sweep kind for each tenant that has something due for it (an idle tenant gets
    /// none); returns how many. Skips a round while the background lane still holds more jobs
    /// than a round makes (the workers have not worked through the last one), so slow sweeps
    /// never pile up.
    func enqueueSweeps() async throws -> Int {
        let now = Date()
        let stamp = Int64(now.timeIntervalSince1970)
        let pinned = configuration.tenants.map(Set.init)
        var jobs: [Job] = []
        for kind in configuration.kinds {
            for tenant in try await dueTenants(kind, now: now) where pinned?.contains(tenant) ?? true {
                jobs.append(
                    Job(
                        id: "sweep:\(kind):\(tenant):\(stamp)",
                        kind: kind,
                        tenant: tenant,
                        payload: "{}",
                        enqueuedAt: now
                    )
                )
            }
        }
        let waiting = try await queue.stats().lane(.background).ready
        if waiting > Int64(jobs.count) {
            logger.warning("workers are behind: skipping a round of sweeps", metadata: ["ready": "\(waiting)"])
            return 0
        }
        for batch in stride(from: 0, to: jobs.count, by: 500) {
            try await queue.enqueue(Array(jobs[batch..<min(batch + 500, jobs.count)]))
        }
        return jobs.count
    }

    /// Every tenant with `kind` due, a page at a time.
    private func dueTenants(_ kind: JobKind, now: Date) async throws -> [TenantID] {
        var due: [TenantID] = []
        while true {
            let page = try await tenants.dueTenants(kind, now: now, limit: Self.page, after: due.last)
            due += page
            if page.count < Self.page { return due }
        }
    }

    static let page = 1000
}
