import Foundation
import JifenCore
import PostgresNIO

extension TenantConnection {
    /// Referrals, reward claims, campaign grants, coupons and wallets per period.
    public func programsReport(_ query: ReportQuery, context given: ReportContext? = nil, now: Date = Date())
        async throws
        -> ProgramsReport
    {
        let context = try await reportContext(given, now: now)
        let bucket = Self.bucket(query.period, "day")
        var counts: [ReportDay: [(metric: String, dimension: String, count: Int64, amount: Int64)]] = [:]
        let rows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, metric, dimension, count, amount", stored: "report_counts_daily",
                    live: "jifen_report_counts", from: query.from, to: query.to, context: context))
            )
            SELECT \(unescaped: bucket)::text, metric, dimension, sum(count)::bigint, sum(amount)::bigint
            FROM days WHERE metric <> 'tiers.moved' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """
        )
        for try await (day, metric, dimension, count, amount) in rows.decode(
            (String, String, String, Int64, Int64).self
        ) {
            if let day = ReportDay(day) { counts[day, default: []].append((metric, dimension, count, amount)) }
        }
        let names = try await reportNames()
        let wallets = try await walletFigures(query, context: context)
        let periods = query.periods.map { start, through -> ProgramsReport.Period in
            var referrals = ProgramsReport.Referrals()
            var rewards: [ProgramsReport.Count] = []
            var campaigns: [ProgramsReport.Count] = []
            var coupons: [String: ProgramsReport.Coupons] = [:]
            for row in counts[start] ?? [] {
                switch row.metric {
                case "referrals.attributed": referrals.attributed += row.count
                case "referrals.rejected":
                    referrals.rejected.append(.init(key: row.dimension, name: nil, count: row.count, points: 0))
                case "referrals.rewarded":
                    referrals.rewarded += row.count
                    referrals.points += row.amount
                case "rewards.claimed":
                    rewards.append(
                        .init(key: row.dimension, name: names[row.dimension], count: row.count, points: row.amount)
                    )
                case "campaigns.points":
                    campaigns.append(
                        .init(key: row.dimension, name: names[row.dimension], count: row.count, points: row.amount)
                    )
                case "coupons.issued", "coupons.redeemed", "coupons.expired":
                    var coupon = coupons[row.dimension] ?? .init(template: row.dimension, name: names[row.dimension])
                    switch row.metric {
                    case "coupons.issued": coupon.issued += row.count
                    case "coupons.redeemed": coupon.redeemed += row.count
                    default: coupon.expired += row.count
                    }
                    coupons[row.dimension] = coupon
                default: break
                }
            }
            return .init(
                start: start,
                through: through,
                referrals: referrals,
                rewards: rewards,
                campaigns: campaigns,
                coupons: coupons.values.sorted { $0.template < $1.template },
                wallets: wallets[start] ?? []
            )
        }
        return ProgramsReport(report: context.header(query), periods: periods)
    }

    /// Names of the rewards, campaigns and coupon templates, by id.
    func reportNames() async throws -> [String: String] {
        let rows = try await query(
            """
            SELECT id::text, name FROM rewards WHERE tenant_id = \(tenant.rawValue)
            UNION ALL SELECT id::text, name FROM campaigns WHERE tenant_id = \(tenant.rawValue)
            UNION ALL SELECT id::text, name FROM coupon_templates WHERE tenant_id = \(tenant.rawValue)
            """
        )
        var names: [String: String] = [:]
        for try await (id, name) in rows.decode((String, String).self) { names[id] = name }
        return names
    }

    /// Each period's wallet entries by currency and kind, and what the wallets owe at its end.
    func walletFigures(_ query: ReportQuery, context: ReportContext) async throws -> [ReportDay: [ProgramsReport
        .Wallet]]
    {
        let periods = query.periods
        let first = periods[0].start.description
        let rows = try await self.query(
            """
            WITH days AS (
                \(unescaped: reportDays("day, currency, kind, entries, principal, bonus, held", stored: "report_wallet_daily",
                    live: "jifen_report_wallet", to: query.to, context: context))
            )
            SELECT greatest(\(unescaped: Self.bucket(query.period, "day")), \(first)::date)::text,
                   day >= \(query.from.description)::date, currency, kind,
                   sum(entries)::bigint, sum(principal)::bigint, sum(bonus)::bigint, sum(held)::bigint
            FROM days GROUP BY 1, 2, 3, 4
            """
        )
        var changes: [ReportDay: [(inRange: Bool, currency: String, kind: ProgramsReport.WalletKind)]] = [:]
        for try await (day, inRange, currency, kind, entries, principal, bonus, held) in rows.decode(
            (String, Bool, String, String, Int64, Int64, Int64, Int64).self
        ) {
            guard let day = ReportDay(day) else { continue }
            changes[day, default: []].append(
                (inRange, currency, .init(kind: kind, entries: entries, principal: principal, bonus: bonus, held: held))
            )
        }
        var owed: [String: (Int64, Int64, Int64)] = [:]
        var result: [ReportDay: [ProgramsReport.Wallet]] = [:]
        for (start, _) in periods {
            var kinds: [String: [String: ProgramsReport.WalletKind]] = [:]
            for change in changes[start] ?? [] {
                let before = owed[change.currency] ?? (0, 0, 0)
                owed[change.currency] = (
                    before.0 + change.kind.principal, before.1 + change.kind.bonus, before.2 + change.kind.held
                )
                guard change.inRange else { continue }
                var kind =
                    kinds[change.currency, default: [:]][change.kind.kind]
                    ?? .init(kind: change.kind.kind, entries: 0, principal: 0, bonus: 0, held: 0)
                kind.entries += change.kind.entries
                kind.principal += change.kind.principal
                kind.bonus += change.kind.bonus
                kind.held += change.kind.held
                kinds[change.currency, default: [:]][change.kind.kind] = kind
            }
            result[start] = owed.keys.sorted().map { currency in
                let (principal, bonus, held) = owed[currency] ?? (0, 0, 0)
                return .init(
                    currency: currency,
                    byKind: (kinds[currency] ?? [:]).values.sorted { $0.kind < $1.kind },
                    principal: principal,
                    bonus: bonus,
                    held: held
                )
            }
        }
        return result
    }
}
