/// The reports (docs/reports.md). Each is Codable in the API's shape (snake_case keys) and
/// has a CSV form; the store fills them from the daily aggregates and the live tail.

/// A report as the API answers it: JSON in the spec's shape, or CSV.
public protocol ReportDocument: Sendable, Encodable {
    var csv: CSVTable { get }
}

/// What every report says about itself.
public struct ReportHeader: Sendable, Codable, Equatable {
    public var from: ReportDay
    public var to: ReportDay
    public var period: ReportPeriod
    public var timeZone: String
    /// The last day stored by the workers; days after it were computed live.
    public var aggregatedThrough: ReportDay?

    public init(query: ReportQuery, timeZone: String, aggregatedThrough: ReportDay?) {
        from = query.from
        to = query.to
        period = query.period
        self.timeZone = timeZone
        self.aggregatedThrough = aggregatedThrough
    }
}

/// Points owed at the end of each period, and when they expire.
public struct LiabilityReport: ReportDocument, Codable, Equatable {
    public struct Month: Sendable, Codable, Equatable {
        /// `YYYY-MM`; nil: no fixed expiry (never, or the inactivity policy).
        public var month: String?
        public var points: Int64
        public var value: Int64?

        public init(month: String? = nil, points: Int64, value: Int64? = nil) {
            self.month = month
            self.points = points
            self.value = value
        }
    }

    public struct Period: Sendable, Codable, Equatable {
        public var start: ReportDay
        public var asOf: ReportDay
        public var available: Int64
        public var pending: Int64
        public var held: Int64
        /// Points members owe after clawbacks beyond their lots (positive).
        public var debt: Int64
        /// available + pending + held: what the shop owes (available is net of debt, as balances are).
        public var outstanding: Int64
        public var value: Int64?
        /// The points in lots and holds by the month they expire: they sum to outstanding + debt.
        public var byExpiryMonth: [Month]

        public init(
            start: ReportDay,
            asOf: ReportDay,
            available: Int64,
            pending: Int64,
            held: Int64,
            debt: Int64,
            outstanding: Int64,
            value: Int64? = nil,
            byExpiryMonth: [Month]
        ) {
            self.start = start
            self.asOf = asOf
            self.available = available
            self.pending = pending
            self.held = held
            self.debt = debt
            self.outstanding = outstanding
            self.value = value
            self.byExpiryMonth = byExpiryMonth
        }
    }

    public var report: ReportHeader
    public var currency: String?
    public var periods: [Period]

    public var csv: CSVTable {
        var table = CSVTable(header: ["period_start", "as_of", "bucket", "expiry_month", "points", "value"])
        for period in periods {
            let start = period.start.description
            let asOf = period.asOf.description
            for (bucket, points) in [
                ("available", period.available), ("pending", period.pending), ("held", period.held),
                ("debt", period.debt),
            ] {
                table.rows.append([start, asOf, bucket, "", String(points), ""])
            }
            table.rows.append([
                start, asOf, "outstanding", "", String(period.outstanding), period.value.map(String.init) ?? "",
            ])
            for month in period.byExpiryMonth {
                table.rows.append([
                    start, asOf, "expiring", month.month ?? "never", String(month.points),
                    month.value.map(String.init) ?? "",
                ])
            }
        }
        return table
    }

    public init(report: ReportHeader, currency: String? = nil, periods: [Period]) {
        self.report = report
        self.currency = currency
        self.periods = periods
    }
}

/// Points in and out per period.
public struct FlowsReport: ReportDocument, Codable, Equatable {
    public struct Flow: Sendable, Codable, Equatable {
        /// Given: earned on orders and activities, granted by campaigns, referrals, adjustments.
        public var earned: Int64 = 0
        public var redeemed: Int64 = 0
        public var expired: Int64 = 0
        /// Taken back by refunds and cancellations.
        public var reversed: Int64 = 0
        /// Taken by negative adjustments.
        public var deducted: Int64 = 0
        public init() {}
    }

    public struct Source: Sendable, Codable, Equatable {
        public var source: String
        public var flow: Flow

        public init(source: String, flow: Flow) {
            self.source = source
            self.flow = flow
        }
    }

    public struct Period: Sendable, Codable, Equatable {
        public var start: ReportDay
        public var through: ReportDay
        public var total: Flow
        public var bySource: [Source]

        public init(start: ReportDay, through: ReportDay, total: Flow, bySource: [Source]) {
            self.start = start
            self.through = through
            self.total = total
            self.bySource = bySource
        }
    }

    /// What became of the points earned in the range's months, as of the report.
    public struct Settled: Sendable, Codable, Equatable {
        public var earned: Int64
        public var redeemed: Int64
        public var expired: Int64
        public var reversed: Int64
        /// Used to repay debt or taken by deductions.
        public var other: Int64
        /// Still in a lot or held.
        public var outstanding: Int64
        /// expired ÷ (earned − reversed − outstanding): of the points whose fate is settled.
        public var breakageRate: Double?

        public init(
            earned: Int64,
            redeemed: Int64,
            expired: Int64,
            reversed: Int64,
            other: Int64,
            outstanding: Int64,
            breakageRate: Double? = nil
        ) {
            self.earned = earned
            self.redeemed = redeemed
            self.expired = expired
            self.reversed = reversed
            self.other = other
            self.outstanding = outstanding
            self.breakageRate = breakageRate
        }
    }

    public var report: ReportHeader
    public var periods: [Period]
    public var total: Flow
    /// redeemed ÷ earned over the range.
    public var redemptionRate: Double?
    public var settled: Settled

    public var csv: CSVTable {
        var table = CSVTable(header: [
            "period_start", "period_end", "source", "earned", "redeemed", "expired", "reversed", "deducted",
        ])
        for period in periods {
            for (source, flow) in [("all", period.total)] + period.bySource.map({ ($0.source, $0.flow) }) {
                table.rows.append(
                    [period.start.description, period.through.description, source]
                        + [flow.earned, flow.redeemed, flow.expired, flow.reversed, flow.deducted].map { String($0) }
                )
            }
        }
        return table
    }

    public init(report: ReportHeader, periods: [Period], total: Flow, redemptionRate: Double? = nil, settled: Settled) {
        self.report = report
        self.periods = periods
        self.total = total
        self.redemptionRate = redemptionRate
        self.settled = settled
    }
}

/// Members per period.
public struct MembersReport: ReportDocument, Codable, Equatable {
    public struct Tier: Sendable, Codable, Equatable {
        /// nil: the base level (no tier).
        public var tier: String?
        public var members: Int64

        public init(tier: String? = nil, members: Int64) {
            self.tier = tier
            self.members = members
        }
    }

    public struct Move: Sendable, Codable, Equatable {
        public var from: String
        public var to: String
        public var members: Int64

        public init(from: String, to: String, members: Int64) {
            self.from = from
            self.to = to
            self.members = members
        }
    }

    public struct Period: Sendable, Codable, Equatable {
        public var start: ReportDay
        public var through: ReportDay
        /// Members with a paid order in the period.
        public var activeMembers: Int64
        /// Members whose first paid order is in the period.
        public var newMembers: Int64
        /// Paid orders in the program's currency, and their amount in minor units.
        public var orders: Int64
        public var amount: Int64
        public var refunds: Int64
        public var refunded: Int64
        /// Members per tier at the end of the period.
        public var tiers: [Tier]
        public var tierMoves: [Move]

        public init(
            start: ReportDay,
            through: ReportDay,
            activeMembers: Int64,
            newMembers: Int64,
            orders: Int64,
            amount: Int64,
            refunds: Int64,
            refunded: Int64,
            tiers: [Tier],
            tierMoves: [Move]
        ) {
            self.start = start
            self.through = through
            self.activeMembers = activeMembers
            self.newMembers = newMembers
            self.orders = orders
            self.amount = amount
            self.refunds = refunds
            self.refunded = refunded
            self.tiers = tiers
            self.tierMoves = tierMoves
        }
    }

    public var report: ReportHeader
    public var currency: String?
    public var periods: [Period]

    public var csv: CSVTable {
        var table = CSVTable(header: ["period_start", "period_end", "metric", "dimension", "value"])
        for period in periods {
            let head = [period.start.description, period.through.description]
            for (metric, value) in [
                ("active_members", period.activeMembers), ("new_members", period.newMembers),
                ("orders", period.orders), ("amount", period.amount), ("refunds", period.refunds),
                ("refunded", period.refunded),
            ] {
                table.rows.append(head + [metric, "", String(value)])
            }
            for tier in period.tiers {
                table.rows.append(head + ["tier_members", tier.tier ?? "", String(tier.members)])
            }
            for move in period.tierMoves {
                table.rows.append(head + ["tier_moves", "\(move.from)>\(move.to)", String(move.members)])
            }
        }
        return table
    }

    public init(report: ReportHeader, currency: String? = nil, periods: [Period]) {
        self.report = report
        self.currency = currency
        self.periods = periods
    }
}

/// Cohorts by first order, and how soon they came back.
public struct RepeatPurchaseReport: ReportDocument, Codable, Equatable {
    public static let windows = [30, 60, 90, 180]

    public struct Window: Sendable, Codable, Equatable {
        public var days: Int
        /// Members of the cohort whose second paid order came within `days` of the first.
        public var repeated: Int64
        public var rate: Double?
        /// Whether every member of the cohort has had `days` to come back (as of the last
        /// aggregated day); a rate of an incomplete window can still grow.
        public var complete: Bool

        public init(days: Int, repeated: Int64, rate: Double? = nil, complete: Bool) {
            self.days = days
            self.repeated = repeated
            self.rate = rate
            self.complete = complete
        }
    }

    public struct Cohort: Sendable, Codable, Equatable {
        public var start: ReportDay
        public var through: ReportDay
        public var members: Int64
        public var windows: [Window]

        public init(start: ReportDay, through: ReportDay, members: Int64, windows: [Window]) {
            self.start = start
            self.through = through
            self.members = members
            self.windows = windows
        }
    }

    public struct Category: Sendable, Codable, Equatable {
        public var category: String
        /// Members whose first order of the category is in the range.
        public var members: Int64
        /// Of them, those who bought the category again.
        public var repeated: Int64
        /// The median of the days between their first and second order of it.
        public var medianDays: Double?

        public init(category: String, members: Int64, repeated: Int64, medianDays: Double? = nil) {
            self.category = category
            self.members = members
            self.repeated = repeated
            self.medianDays = medianDays
        }
    }

    public var report: ReportHeader
    public var cohorts: [Cohort]
    public var categories: [Category]

    public var csv: CSVTable {
        var table = CSVTable(header: [
            "kind", "cohort_start", "cohort_end", "category", "members", "days", "repeated", "rate", "complete",
            "median_days",
        ])
        for cohort in cohorts {
            for window in cohort.windows {
                table.rows.append([
                    "cohort", cohort.start.description, cohort.through.description, "", String(cohort.members),
                    String(window.days), String(window.repeated), ReportRate.text(window.rate), String(window.complete),
                    "",
                ])
            }
        }
        for category in categories {
            table.rows.append([
                "category", "", "", category.category, String(category.members), "", String(category.repeated), "", "",
                category.medianDays.map { String($0) } ?? "",
            ])
        }
        return table
    }

    public init(report: ReportHeader, cohorts: [Cohort], categories: [Category]) {
        self.report = report
        self.cohorts = cohorts
        self.categories = categories
    }
}

/// Referrals, rewards, campaigns, coupons and wallets per period.
public struct ProgramsReport: ReportDocument, Codable, Equatable {
    public struct Count: Sendable, Codable, Equatable {
        /// What is counted: a referral rejection's reason, a reward, campaign or coupon template id.
        public var key: String
        public var name: String?
        public var count: Int64
        /// Points (referrals, rewards, campaigns); 0 for coupons.
        public var points: Int64

        public init(key: String, name: String? = nil, count: Int64, points: Int64) {
            self.key = key
            self.name = name
            self.count = count
            self.points = points
        }
    }

    public struct Referrals: Sendable, Codable, Equatable {
        public var attributed: Int64 = 0
        public var rejected: [Count] = []
        public var rewarded: Int64 = 0
        public var points: Int64 = 0
        public init() {}
    }

    public struct Coupons: Sendable, Codable, Equatable {
        public var template: String
        public var name: String?
        public var issued: Int64 = 0
        public var redeemed: Int64 = 0
        public var expired: Int64 = 0

        public init(template: String, name: String? = nil, issued: Int64 = 0, redeemed: Int64 = 0, expired: Int64 = 0) {
            self.template = template
            self.name = name
            self.issued = issued
            self.redeemed = redeemed
            self.expired = expired
        }
    }

    public struct Wallet: Sendable, Codable, Equatable {
        public var currency: String
        /// Sums of the period's wallet entries of each kind (top_up, bonus, capture, return, expire, refund, …).
        public var byKind: [WalletKind]
        /// Owed at the end of the period.
        public var principal: Int64
        public var bonus: Int64
        public var held: Int64

        public init(currency: String, byKind: [WalletKind], principal: Int64, bonus: Int64, held: Int64) {
            self.currency = currency
            self.byKind = byKind
            self.principal = principal
            self.bonus = bonus
            self.held = held
        }
    }

    public struct WalletKind: Sendable, Codable, Equatable {
        public var kind: String
        public var entries: Int64
        public var principal: Int64
        public var bonus: Int64
        public var held: Int64

        public init(kind: String, entries: Int64, principal: Int64, bonus: Int64, held: Int64) {
            self.kind = kind
            self.entries = entries
            self.principal = principal
            self.bonus = bonus
            self.held = held
        }
    }

    public struct Period: Sendable, Codable, Equatable {
        public var start: ReportDay
        public var through: ReportDay
        public var referrals: Referrals
        public var rewards: [Count]
        public var campaigns: [Count]
        public var coupons: [Coupons]
        public var wallets: [Wallet]

        public init(
            start: ReportDay,
            through: ReportDay,
            referrals: Referrals,
            rewards: [Count],
            campaigns: [Count],
            coupons: [Coupons],
            wallets: [Wallet]
        ) {
            self.start = start
            self.through = through
            self.referrals = referrals
            self.rewards = rewards
            self.campaigns = campaigns
            self.coupons = coupons
            self.wallets = wallets
        }
    }

    public var report: ReportHeader
    public var periods: [Period]

    public var csv: CSVTable {
        var table = CSVTable(header: ["period_start", "period_end", "metric", "key", "name", "count", "amount"])
        for period in periods {
            let head = [period.start.description, period.through.description]
            let referrals = period.referrals
            table.rows.append(head + ["referrals.attributed", "", "", String(referrals.attributed), ""])
            for reason in referrals.rejected {
                table.rows.append(head + ["referrals.rejected", reason.key, "", String(reason.count), ""])
            }
            table.rows.append(
                head + ["referrals.rewarded", "", "", String(referrals.rewarded), String(referrals.points)]
            )
            for (metric, counts) in [("rewards.claimed", period.rewards), ("campaigns.points", period.campaigns)] {
                for count in counts {
                    table.rows.append(
                        head + [metric, count.key, count.name ?? "", String(count.count), String(count.points)]
                    )
                }
            }
            for coupon in period.coupons {
                for (metric, count) in [
                    ("coupons.issued", coupon.issued), ("coupons.redeemed", coupon.redeemed),
                    ("coupons.expired", coupon.expired),
                ] {
                    table.rows.append(head + [metric, coupon.template, coupon.name ?? "", String(count), ""])
                }
            }
            for wallet in period.wallets {
                for kind in wallet.byKind {
                    table.rows.append(
                        head + [
                            "wallet.\(kind.kind)", wallet.currency, "", String(kind.entries),
                            String(kind.principal + kind.bonus),
                        ]
                    )
                }
                for (part, amount) in [("principal", wallet.principal), ("bonus", wallet.bonus), ("held", wallet.held)]
                {
                    table.rows.append(head + ["wallet.owed.\(part)", wallet.currency, "", "", String(amount)])
                }
            }
        }
        return table
    }

    public init(report: ReportHeader, periods: [Period]) {
        self.report = report
        self.periods = periods
    }
}
