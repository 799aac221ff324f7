import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func getWallet(_ input: Operations.GetWallet.Input) async throws -> Operations.GetWallet.Output {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard let wallets = try await withTenant({ try await $0.wallets(member: member) }) else {
            throw JifenError.notFound("no member '\(input.path.member)'")
        }
        return .ok(
            .init(body: .json(.init(member: member.rawValue, wallets: wallets.map(Components.Schemas.Wallet.init))))
        )
    }

    public func listWalletEntries(_ input: Operations.ListWalletEntries.Input) async throws
        -> Operations.ListWalletEntries.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        guard
            let page = try await withTenant({ try await $0.walletEntries(member: member, limit: limit, after: cursor) })
        else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.WalletEntry.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func topUpWallet(_ input: Operations.TopUpWallet.Input) async throws -> Operations.TopUpWallet.Output {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        var v = Validator()
        let payment = v.check { () throws(JifenError) in try ExternalID(body.externalId, field: "external_id") }
        let currency = v.check { () throws(JifenError) in try Currency(body.currency) }
        if !(1...Money.maxMinorUnits).contains(body.amount) {
            v.fail("amount", "must be between 1 and \(Money.maxMinorUnits)")
        }
        try v.finish()
        guard let payment, let currency else { throw JifenError(.internalError, "validation lost a field") }
        let (topUp, created) = try await withTenant {
            try await $0.topUp(member: member, currency: currency, amount: body.amount, paymentID: payment)
        }
        guard created else { return .ok(.init(body: .json(.init(topUp)))) }
        logger.info("wallet topped up", metadata: ["top_up": "\(topUp.id)", "amount": "\(topUp.amount)"])
        return .created(.init(body: .json(.init(topUp))))
    }

    public func getWalletTopUp(_ input: Operations.GetWalletTopUp.Input) async throws
        -> Operations.GetWalletTopUp.Output
    {
        let id = try Self.lookupUUID(input.path.topUp, kind: "top-up")
        guard let topUp = try await withTenant({ try await $0.topUp(id: id) }) else {
            throw JifenError.notFound("no top-up '\(input.path.topUp)'")
        }
        return .ok(.init(body: .json(.init(topUp))))
    }

    public func refundWalletTopUp(_ input: Operations.RefundWalletTopUp.Input) async throws
        -> Operations.RefundWalletTopUp.Output
    {
        let id = try Self.lookupUUID(input.path.topUp, kind: "top-up")
        guard let topUp = try await withTenant({ try await $0.refundTopUp(id) }) else {
            throw JifenError.notFound("no top-up '\(input.path.topUp)'")
        }
        return .ok(.init(body: .json(.init(topUp))))
    }

    public func createWalletHold(_ input: Operations.CreateWalletHold.Input) async throws
        -> Operations.CreateWalletHold.Output
    {
        let member = try Self.lookupID(input.path.member, kind: "member")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        var v = Validator()
        let currency = v.check { () throws(JifenError) in try Currency(body.currency) }
        if !(1...Money.maxMinorUnits).contains(body.amount) {
            v.fail("amount", "must be between 1 and \(Money.maxMinorUnits)")
        }
        v.text(body.orderReference, "order_reference", max: 128)
        try v.finish()
        guard let currency else { throw JifenError(.internalError, "validation lost a field") }
        let hold = try await withTenant {
            try await $0.placeWalletHold(
                member: member,
                currency: currency,
                amount: body.amount,
                orderReference: body.orderReference
            )
        }
        guard let hold else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .created(.init(body: .json(.init(hold))))
    }

    public func getWalletHold(_ input: Operations.GetWalletHold.Input) async throws -> Operations.GetWalletHold.Output {
        let id = try Self.lookupUUID(input.path.hold, kind: "wallet hold")
        guard let hold = try await withTenant({ try await $0.walletHold(id) }) else {
            throw JifenError.notFound("no wallet hold '\(input.path.hold)'")
        }
        return .ok(.init(body: .json(.init(hold))))
    }

    public func captureWalletHold(_ input: Operations.CaptureWalletHold.Input) async throws
        -> Operations.CaptureWalletHold.Output
    {
        let id = try Self.lookupUUID(input.path.hold, kind: "wallet hold")
        guard let hold = try await withTenant({ try await $0.captureWalletHold(id) }) else {
            throw JifenError.notFound("no wallet hold '\(input.path.hold)'")
        }
        return .ok(.init(body: .json(.init(hold))))
    }

    public func releaseWalletHold(_ input: Operations.ReleaseWalletHold.Input) async throws
        -> Operations.ReleaseWalletHold.Output
    {
        let id = try Self.lookupUUID(input.path.hold, kind: "wallet hold")
        guard let hold = try await withTenant({ try await $0.releaseWalletHold(id) }) else {
            throw JifenError.notFound("no wallet hold '\(input.path.hold)'")
        }
        return .ok(.init(body: .json(.init(hold))))
    }
}
