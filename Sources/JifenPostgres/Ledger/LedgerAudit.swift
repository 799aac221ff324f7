import Foundation
import JifenCore
import PostgresNIO

/// Proves the ledger's invariants for every member of a tenant:
/// `available = sum(available deltas) = sum(remaining of available lots) - debt`,
/// `pending = sum(pending deltas) = sum(remaining of pending lots)`, and
/// `held = sum(points of redemptions still held)`; and for every wallet, per part,
/// `principal = sum(principal deltas) = sum(remaining of principal lots)`, the same for bonus,
/// and `held = sum(held deltas) = sum(amounts of wallet holds still held)`.
public struct LedgerAudit: Sendable {
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public var tenant: TenantID
        public var member: String
        public var bucket: String
        public var balance: Int64
        public var ledger: Int64
        public var lots: Int64

        public var description: String {
            "tenant \(tenant) member \(member) \(bucket): balance \(balance), ledger sum \(ledger), lots remaining \(lots)"
        }
    }

    let database: Database

    public init(database: Database) { self.database = database }

    /// Audits `tenants`, or every tenant when `nil`.
    public func run(tenants: [TenantID]? = nil) async throws -> (members: Int, violations: [Violation]) {
        var ids = tenants ?? []
        if tenants == nil { ids = try await TenantStore(database: database).allIDs() }
        var members = 0
        var violations: [Violation] = []
        for tenant in ids {
            let (count, found) = try await audit(tenant)
            members += count
            violations += found
        }
        return (members, violations)
    }

    private func audit(_ tenant: TenantID) async throws -> (Int, [Violation]) {
        try await database.withTenant(tenant) { connection in
            let rows = try await connection.connection.query(
                """
                WITH entries AS (
                    SELECT member_id, sum(available_delta) AS available, sum(pending_delta) AS pending
                    FROM ledger_entries WHERE tenant_id = \(tenant.rawValue) GROUP BY member_id
                ), lots AS (
                    SELECT member_id,
                           coalesce(sum(remaining) FILTER (WHERE state = 'available'), 0) AS available,
                           coalesce(sum(remaining) FILTER (WHERE state = 'pending'), 0) AS pending
                    FROM point_lots WHERE tenant_id = \(tenant.rawValue) GROUP BY member_id
                ), holds AS (
                    SELECT member_id, sum(points) AS held FROM redemptions
                    WHERE tenant_id = \(tenant.rawValue) AND state = 'held' GROUP BY member_id
                )
                SELECT m.external_id,
                       coalesce(b.available, 0)::bigint, coalesce(e.available, 0)::bigint,
                       (coalesce(l.available, 0) - coalesce(b.debt, 0))::bigint,
                       coalesce(b.pending, 0)::bigint, coalesce(e.pending, 0)::bigint, coalesce(l.pending, 0)::bigint,
                       coalesce(b.held, 0)::bigint, coalesce(h.held, 0)::bigint
                FROM members m
                LEFT JOIN balances b ON b.tenant_id = m.tenant_id AND b.member_id = m.id
                LEFT JOIN entries e ON e.member_id = m.id
                LEFT JOIN lots l ON l.member_id = m.id
                LEFT JOIN holds h ON h.member_id = m.id
                WHERE m.tenant_id = \(tenant.rawValue)
                """,
                logger: database.logger
            )
            var count = 0
            var violations: [Violation] = []
            for try await (member, balance, ledger, lots, pendingBalance, pendingLedger, pendingLots, held, holds)
                in rows.decode((String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            {
                if held != holds {
                    violations.append(
                        .init(tenant: tenant, member: member, bucket: "held", balance: held, ledger: holds, lots: holds)
                    )
                }
                count += 1
                if balance != ledger || balance != lots {
                    violations.append(
                        .init(
                            tenant: tenant,
                            member: member,
                            bucket: "available",
                            balance: balance,
                            ledger: ledger,
                            lots: lots
                        )
                    )
                }
                if pendingBalance != pendingLedger || pendingBalance != pendingLots {
                    violations.append(
                        .init(
                            tenant: tenant,
                            member: member,
                            bucket: "pending",
                            balance: pendingBalance,
                            ledger: pendingLedger,
                            lots: pendingLots
                        )
                    )
                }
            }
            return (count, violations + (try await walletViolations(tenant, connection)))
        }
    }

    /// The wallets' invariants; a member's bucket is `wallet <currency> principal|bonus|held`.
    private func walletViolations(_ tenant: TenantID, _ connection: TenantConnection) async throws -> [Violation] {
        let rows = try await connection.connection.query(
            """
            WITH entries AS (
                SELECT member_id, currency, sum(principal_delta) AS principal, sum(bonus_delta) AS bonus,
                       sum(held_delta) AS held
                FROM wallet_entries WHERE tenant_id = \(tenant.rawValue) GROUP BY member_id, currency
            ), lots AS (
                SELECT member_id, currency,
                       coalesce(sum(remaining) FILTER (WHERE part = 'principal'), 0) AS principal,
                       coalesce(sum(remaining) FILTER (WHERE part = 'bonus'), 0) AS bonus
                FROM wallet_lots WHERE tenant_id = \(tenant.rawValue) GROUP BY member_id, currency
            ), holds AS (
                SELECT member_id, currency, sum(amount) AS held FROM wallet_holds
                WHERE tenant_id = \(tenant.rawValue) AND state = 'held' GROUP BY member_id, currency
            )
            SELECT m.external_id, w.currency::text,
                   w.principal, coalesce(e.principal, 0)::bigint, coalesce(l.principal, 0)::bigint,
                   w.bonus, coalesce(e.bonus, 0)::bigint, coalesce(l.bonus, 0)::bigint,
                   w.held, coalesce(e.held, 0)::bigint, coalesce(h.held, 0)::bigint
            FROM wallets w
            JOIN members m ON m.tenant_id = w.tenant_id AND m.id = w.member_id
            LEFT JOIN entries e ON e.member_id = w.member_id AND e.currency = w.currency
            LEFT JOIN lots l ON l.member_id = w.member_id AND l.currency = w.currency
            LEFT JOIN holds h ON h.member_id = w.member_id AND h.currency = w.currency
            WHERE w.tenant_id = \(tenant.rawValue)
            """,
            logger: database.logger
        )
        var violations: [Violation] = []
        for try await (member, currency, p, pe, pl, b, be, bl, h, he, hh) in rows.decode(
            (String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self
        ) {
            for (bucket, balance, ledger, lots) in [
                ("principal", p, pe, pl), ("bonus", b, be, bl), ("held", h, he, hh),
            ]
            where balance != ledger || balance != lots {
                violations.append(
                    .init(
                        tenant: tenant,
                        member: member,
                        bucket: "wallet \(currency) \(bucket)",
                        balance: balance,
                        ledger: ledger,
                        lots: lots
                    )
                )
            }
        }
        return violations
    }
}
