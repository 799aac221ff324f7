import JifenCore
import JifenPostgres

extension APIHandler {
    public func recordOrder(_ input: Operations.RecordOrder.Input) async throws -> Operations.RecordOrder.Output {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try OrderDraft.validate(
            externalID: body.externalId,
            member: body.member,
            currency: body.currency,
            amount: body.amount,
            status: OrderStatus(body.status),
            placedAt: body.placedAt,
            paidAt: body.paidAt,
            lines: body.lines?.map(OrderLine.init),
            coupons: body.coupons,
            redemption: try body.redemption.map { text throws(JifenError) in
                try Self.bodyUUID(text, field: "redemption")
            },
            walletHold: try body.walletHold.map { text throws(JifenError) in
                try Self.bodyUUID(text, field: "wallet_hold")
            }
        )
        let (order, recording, points) = try await withTenant { connection in
            let (order, recording) = try await connection.recordOrder(draft)
            let points = recording == .created ? OrderPoints.unscored : try await connection.orderPoints(order.id)
            return (order, recording, points)
        }
        if recording != .unchanged {
            logger.info(
                "order recorded",
                metadata: [
                    "order": "\(order.externalID)", "status": "\(order.status.rawValue)", "change": "\(recording)",
                ]
            )
        }
        let schema = Components.Schemas.Order(order, points: points)
        return recording == .created ? .created(.init(body: .json(schema))) : .ok(.init(body: .json(schema)))
    }

    public func getOrder(_ input: Operations.GetOrder.Input) async throws -> Operations.GetOrder.Output {
        let externalID = try Self.lookupID(input.path.order, kind: "order")
        let found = try await withTenant { connection -> (Order, OrderPoints)? in
            guard let order = try await connection.order(externalID) else { return nil }
            return (order, try await connection.orderPoints(order.id))
        }
        guard let (order, points) = found else { throw JifenError.notFound("no order '\(input.path.order)'") }
        return .ok(.init(body: .json(.init(order, points: points))))
    }

    public func cancelOrder(_ input: Operations.CancelOrder.Input) async throws -> Operations.CancelOrder.Output {
        let externalID = try Self.lookupID(input.path.order, kind: "order")
        let found = try await withTenant { connection -> (Order, OrderPoints)? in
            guard let order = try await connection.cancel(order: externalID) else { return nil }
            return (order, try await connection.orderPoints(order.id))
        }
        guard let (order, points) = found else { throw JifenError.notFound("no order '\(input.path.order)'") }
        logger.info(
            "order cancelled",
            metadata: ["order": "\(order.externalID)", "clawed_back": "\(points.clawedBack)"]
        )
        return .ok(.init(body: .json(.init(order, points: points))))
    }

    public func refundOrder(_ input: Operations.RefundOrder.Input) async throws -> Operations.RefundOrder.Output {
        let externalID = try Self.lookupID(input.path.order, kind: "order")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let draft = try RefundDraft.validate(
            externalID: body.externalId,
            amount: body.amount,
            lines: (body.lines ?? []).map { RefundDraft.Line(sku: $0.sku, quantity: $0.quantity) }
        )
        guard let (refund, created) = try await withTenant({ try await $0.refund(order: externalID, draft) }) else {
            throw JifenError.notFound("no order '\(input.path.order)'")
        }
        if created {
            logger.info(
                "order refunded",
                metadata: [
                    "order": "\(externalID)", "refund": "\(refund.externalID)",
                    "clawed_back": "\(refund.pointsClawedBack)",
                ]
            )
        }
        let schema = Components.Schemas.Refund(refund)
        return created ? .created(.init(body: .json(schema))) : .ok(.init(body: .json(schema)))
    }

    public func listRefunds(_ input: Operations.ListRefunds.Input) async throws -> Operations.ListRefunds.Output {
        let externalID = try Self.lookupID(input.path.order, kind: "order")
        let refunds = try await withTenant { connection -> [Refund]? in
            guard let order = try await connection.order(externalID) else { return nil }
            return try await connection.refunds(order: order)
        }
        guard let refunds else { throw JifenError.notFound("no order '\(input.path.order)'") }
        return .ok(.init(body: .json(.init(data: refunds.map(Components.Schemas.Refund.init)))))
    }
}
