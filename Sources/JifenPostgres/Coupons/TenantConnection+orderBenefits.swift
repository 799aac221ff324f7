import Foundation
import JifenCore
import PostgresNIO

// What an order carries beyond its points: the coupons it names and the points hold it was paid
// with. Recording the order reserves the coupons (one order per coupon, however many checkouts
// race for it); payment redeems them and captures the hold; cancellation or a full refund returns
// the coupons (the program's `coupons.return_policy`) and releases a hold not yet captured.
//
// Lock order: the order row (the caller's), then the member's balance row (events), then the
// coupon rows and the redemption row — the order every points operation follows.
extension TenantConnection {
    /// Reserves the coupons a new order names and checks its hold; throws, so the order is not
    /// recorded, when a coupon is not the member's, not usable now, or already used.
    func reserveBenefits(of order: Order, memberID: UUID, now: Date) async throws {
        var stacking: [CouponTemplate] = []
        for (index, code) in order.couponCodes.enumerated() {
            let field = "coupons[\(index)]"
            let rows = try await query(
                """
                UPDATE coupons SET state = 'reserved', order_id = \(order.id), reserved_at = \(now),
                                   updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND code = \(code) AND member_id = \(memberID)
                  AND state = 'issued' AND valid_from <= \(now) AND valid_until > \(now)
                RETURNING id
                """
            )
            guard let id = try await rows.decode(UUID.self).first(where: { _ in true }) else {
                throw try await unusable(code, field: field, member: order.member, now: now)
            }
            guard let coupon = try await coupon(id: id) else {
                throw JifenError(.internalError, "coupon \(id) vanished in its own transaction")
            }
            guard coupon.template.currency == order.amount.currency else {
                throw JifenError.invalid(
                    field,
                    "is in \(coupon.template.currency.code); the order is in \(order.amount.currency.code)"
                )
            }
            stacking.append(coupon.template)
        }
        if stacking.count > 1, let alone = stacking.first(where: { !$0.stacksWithCoupons }) {
            throw JifenError.invalid("coupons", "'\(alone.name)' cannot be combined with other coupons")
        }
        if order.redemptionID != nil, let alone = stacking.first(where: { !$0.stacksWithPoints }) {
            throw JifenError.invalid("redemption", "'\(alone.name)' cannot be combined with points")
        }
    }

    /// Checks, before a new order is inserted (its foreign key would otherwise fail), that the
    /// wallet hold it names is the member's, in the order's currency, and still held or captured.
    func checkWalletHold(_ id: UUID, member memberID: UUID, externalID: ExternalID, currency: Currency) async throws {
        let rows = try await query(
            """
            SELECT state, currency FROM wallet_holds
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id) AND member_id = \(memberID)
            """
        )
        guard let (state, holdCurrency) = try await rows.decode((String, String).self).first(where: { _ in true })
        else {
            throw JifenError.invalid("wallet_hold", "is not a wallet hold of member '\(externalID)'")
        }
        guard holdCurrency == currency.code else {
            throw JifenError.invalid("wallet_hold", "is in \(holdCurrency); the order is in \(currency.code)")
        }
        guard state == "held" || state == "captured" else {
            throw JifenError.conflict("wallet hold \(id.uuidString.lowercased()) was \(state)")
        }
    }

    /// Checks, before a new order is inserted (its foreign key would otherwise fail), that the
    /// hold it names is the member's and still held or captured.
    func checkHold(_ redemptionID: UUID, member memberID: UUID, externalID: ExternalID) async throws {
        let rows = try await query(
            """
            SELECT state FROM redemptions
            WHERE tenant_id = \(tenant.rawValue) AND id = \(redemptionID) AND member_id = \(memberID)
            """
        )
        guard let state = try await rows.decode(String.self).first(where: { _ in true }) else {
            throw JifenError.invalid("redemption", "is not a redemption of member '\(externalID)'")
        }
        guard state == "held" || state == "captured" else {
            throw JifenError.conflict("redemption \(redemptionID.uuidString.lowercased()) was \(state)")
        }
    }

    /// Why a coupon could not be reserved, as the error the order gets.
    private func unusable(_ code: String, field: String, member: ExternalID, now: Date) async throws -> JifenError {
        guard let coupon = try await coupon(code: code), coupon.member == member else {
            return .invalid(field, "is not a coupon of member '\(member)'")
        }
        let name = "coupon \(code)"
        switch coupon.state {
        case .reserved, .redeemed: return .conflict("\(name) is already used by order '\(coupon.order ?? "")'")
        case .voided: return .conflict("\(name) was voided")
        case .expired: return .conflict("\(name) expired at \(coupon.validUntil.formatted(.iso8601))")
        case .issued:
            if now < coupon.validFrom {
                return .conflict("\(name) is valid from \(coupon.validFrom.formatted(.iso8601))")
            }
            return .conflict("\(name) expired at \(coupon.validUntil.formatted(.iso8601))")
        }
    }

    /// Carries the order's current status to its benefits: paid redeems the coupons and captures
    /// the hold; cancelled or refunded returns the coupons and releases a hold still held.
    func settleBenefits(of order: Order, now: Date) async throws {
        switch order.status {
        case .placed: return
        case .paid:
            let rows = try await query(
                """
                UPDATE coupons SET state = 'redeemed', redeemed_at = \(now), updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND order_id = \(order.id) AND state = 'reserved'
                RETURNING id, member_id
                """
            )
            let redeemed = try await rows.decode((UUID, UUID).self).reduce(into: [(UUID, UUID)]()) { $0.append($1) }
            try await recordCouponEvents(redeemed, .redeemed)
            // A hold that expired or was released before the order was paid cannot be captured:
            // the order is still paid (the shop took the money), the points or money simply were
            // not spent.
            do {
                if let redemption = order.redemptionID { _ = try await capture(redemption: redemption, now: now) }
                if let hold = order.walletHoldID { _ = try await captureWalletHold(hold, now: now) }
            } catch let error as JifenError where error.code == .conflict {
                logger.warning(
                    "order paid with a hold that cannot be captured",
                    metadata: ["order": "\(order.externalID)", "error": "\(error.detail)"]
                )
            }
        case .cancelled, .refunded:
            let policy = try await program().coupons.returnPolicy
            let rows = try await query(
                """
                UPDATE coupons SET
                    state = CASE WHEN \(policy.rawValue) = 'void' THEN 'voided'
                                 WHEN valid_until <= \(now) THEN 'expired' ELSE 'issued' END,
                    order_id = NULL, reserved_at = NULL, redeemed_at = NULL,
                    voided_at = CASE WHEN \(policy.rawValue) = 'void' THEN \(now) END,
                    expired_at = CASE WHEN \(policy.rawValue) <> 'void' AND valid_until <= \(now) THEN \(now) END,
                    updated_at = clock_timestamp()
                WHERE tenant_id = \(tenant.rawValue) AND order_id = \(order.id) AND state IN ('reserved', 'redeemed')
                RETURNING id
                """
            )
            _ = try await rows.decode(UUID.self).reduce(into: 0) { count, _ in count += 1 }
            if let redemption = order.redemptionID {
                let state = try await query(
                    "SELECT state FROM redemptions WHERE tenant_id = \(tenant.rawValue) AND id = \(redemption)"
                )
                if try await state.decode(String.self).first(where: { _ in true }) == "held" {
                    _ = try await release(redemption: redemption, now: now)
                }
            }
            if let holdID = order.walletHoldID, let hold = try await walletHold(holdID) {
                switch hold.state {
                case .held: _ = try await releaseWalletHold(holdID, now: now)
                case .captured:
                    // Cancelled or refunded in full: all the wallet paid goes back.
                    try await returnToWallet(
                        holdID,
                        amount: hold.amount,
                        key: "wallet-return:\(holdID.uuidString.lowercased()):\(order.status.rawValue)",
                        orderReference: order.externalID.rawValue,
                        now: now
                    )
                case .released, .expired: break
                }
            }
        }
    }
}
