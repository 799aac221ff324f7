import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import JifenPostgres
import JifenWebhooks
import Logging

/// `POST /hooks/shopify/{tenant}` and `POST /hooks/standard/{tenant}`: the shop's platform
/// telling us about orders and refunds. Hand-written routes (they are documented in the spec
/// but not generated): the signature covers the raw body, which generated handlers never see.
///
/// Both answer fast — the order or refund is recorded with its outbox job in one transaction,
/// and the workers score it — and both are idempotent by the platform's webhook id, recorded in
/// the same transaction, so a redelivery changes nothing and a failure leaves nothing behind.
struct InboundWebhooks: Sendable {
    let database: Database
    let logger: Logger

    func register(on router: Router<JifenRequestContext>) {
        router.post("/hooks/shopify/:tenant") { request, context in
            try await shopify(request, context: context)
        }
        router.post("/hooks/standard/:tenant") { request, context in
            try await standard(request, context: context)
        }
    }

    struct Result: ResponseEncodable {
        var status: String
        var order: String?
    }

    private func tenant(_ context: JifenRequestContext) throws -> TenantID {
        guard let text = context.parameters.get("tenant"), let tenant = TenantID(text) else {
            throw JifenError.notFound("no such tenant")
        }
        return tenant
    }

    /// A header's first value, by name (case-insensitive).
    static func header(_ name: String, in request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    private static let unauthorized = JifenError(.unauthorized, "The webhook signature is missing or wrong.")

    func shopify(_ request: Request, context: JifenRequestContext) async throws -> Result {
        let tenant = try tenant(context)
        let body = Data(
            buffer: try await request.body.collect(upTo: BodyLimitMiddleware<JifenRequestContext>.maxBodySize)
        )
        let signature = Self.header("X-Shopify-Hmac-Sha256", in: request)
        let secrets = try await database.withTenant(tenant) { try await $0.inboundSecrets(.shopify) }
        guard !secrets.isEmpty, ShopifySignature.isValid(header: signature, body: body, secrets: secrets) else {
            throw Self.unauthorized
        }
        let topic = Self.header("X-Shopify-Topic", in: request) ?? ""
        guard let webhookID = Self.header("X-Shopify-Webhook-Id", in: request), !webhookID.isEmpty
        else { throw JifenError.invalid("X-Shopify-Webhook-Id", "is required") }
        let decoder = Self.decoder
        let now = Date()
        let result = try await database.withTenant(tenant) { connection -> Result in
            let digest = Data(SHA256.hash(data: body))
            guard try await connection.markReceived(.shopify, webhookID: webhookID, topic: topic, bodyDigest: digest)
            else {
                return Result(status: "duplicate")
            }
            switch topic {
            case "orders/create", "orders/paid", "orders/cancelled":
                let order = try Self.decode(ShopifyOrder.self, body, decoder)
                // A guest checkout has no one to earn points: acknowledged, not retried forever.
                guard order.customer?.id != nil || order.customer?.email != nil || order.email != nil else {
                    return Result(status: "ignored")
                }
                let status: OrderStatus =
                    topic == "orders/paid" || order.financialStatus == "paid" ? .paid : .placed
                let draft = try order.draft(status: status, receivedAt: now)
                let stored: Order
                do {
                    (stored, _) = try await connection.recordOrder(draft)
                } catch let error as JifenError
                    where TenantConnection.isErasureRefusal(error, member: draft.member)
                {
                    // An erased customer the shop did not allow back: acknowledged, not retried
                    // forever (the refusal wrote nothing; docs/privacy.md).
                    return Result(status: "ignored", order: draft.externalID.rawValue)
                }
                if topic == "orders/cancelled" {
                    // Shopify cancels refunded orders too: their points went back with the refunds.
                    if stored.status == .refunded { return Result(status: "ignored", order: draft.externalID.rawValue) }
                    _ = try await connection.cancel(order: draft.externalID, now: now, settleNow: false)
                }
                return Result(status: "recorded", order: draft.externalID.rawValue)
            case "refunds/create":
                let refund = try Self.decode(ShopifyRefund.self, body, decoder)
                let orderID = try ExternalID(refund.orderID.text, field: "order_id")
                // Not recorded yet: 409 rolls back, and Shopify retries until the order is here.
                guard let order = try await connection.order(orderID) else {
                    throw JifenError.conflict("order '\(orderID)' is not recorded yet")
                }
                // A refund that gives no money back (a restock only) takes no points.
                guard let draft = try? refund.draft(currency: order.amount.currency), draft.amount > 0 else {
                    return Result(status: "ignored", order: orderID.rawValue)
                }
                _ = try await connection.refund(order: orderID, draft, now: now, settleNow: false)
                return Result(status: "recorded", order: orderID.rawValue)
            default:
                return Result(status: "ignored")
            }
        }
        logger.info(
            "shopify webhook",
            metadata: [
                "tenant_id": "\(tenant)", "topic": "\(topic)", "webhook_id": "\(webhookID)",
                "result": "\(result.status)",
            ]
        )
        return result
    }

    /// The body of a Standard Webhooks message from a store.
    struct StandardMessage: Decodable {
        var type: String
        var data: StandardData
    }

    struct StandardData: Decodable {
        // order.recorded: an order as POST /v1/orders takes it.
        var externalID: String?
        var member: String?
        var currency: String?
        var amount: Int64?
        var status: OrderStatus?
        var placedAt: Date?
        var paidAt: Date?
        var lines: [OrderLine]?
        // order.cancelled, refund.created
        var order: String?
        var refund: StandardRefund?

        enum CodingKeys: String, CodingKey {
            case member, currency, amount, status, lines, order, refund
            case externalID = "external_id"
            case placedAt = "placed_at"
            case paidAt = "paid_at"
        }
    }

    struct StandardRefund: Decodable {
        var externalID: String
        var amount: Int64
        var lines: [RefundDraft.Line]?
        enum CodingKeys: String, CodingKey {
            case amount, lines
            case externalID = "external_id"
        }
    }

    func standard(_ request: Request, context: JifenRequestContext) async throws -> Result {
        let tenant = try tenant(context)
        let body = Data(
            buffer: try await request.body.collect(upTo: BodyLimitMiddleware<JifenRequestContext>.maxBodySize)
        )
        let secrets = try await database.withTenant(tenant) { try await $0.inboundSecrets(.standard) }
            .compactMap(WebhookSecret.init)
        let id = Self.header("webhook-id", in: request)
        do {
            guard !secrets.isEmpty else { throw StandardWebhooks.Rejection.noMatchingSignature }
            try StandardWebhooks.verify(
                id: id,
                timestamp: Self.header("webhook-timestamp", in: request),
                signatures: Self.header("webhook-signature", in: request),
                body: body,
                secrets: secrets
            )
        } catch let rejection as StandardWebhooks.Rejection {
            throw JifenError(.unauthorized, "The webhook signature is refused: \(rejection.rawValue).")
        }
        guard let id else { throw Self.unauthorized }
        let message = try Self.decode(StandardMessage.self, body, Self.decoder)
        let now = Date()
        return try await database.withTenant(tenant) { connection -> Result in
            guard try await connection.markReceived(.standard, webhookID: id, topic: message.type) else {
                return Result(status: "duplicate")
            }
            let data = message.data
            switch message.type {
            case "order.recorded":
                guard let status = data.status, let placedAt = data.placedAt else {
                    throw JifenError.invalid("data", "an order needs status and placed_at, as POST /v1/orders does")
                }
                let draft = try OrderDraft.validate(
                    externalID: data.externalID ?? "",
                    member: data.member ?? "",
                    currency: data.currency ?? "",
                    amount: data.amount ?? -1,
                    status: status,
                    placedAt: placedAt,
                    paidAt: data.paidAt,
                    lines: data.lines ?? []
                )
                do {
                    _ = try await connection.recordOrder(draft)
                } catch let error as JifenError
                    where TenantConnection.isErasureRefusal(error, member: draft.member)
                {
                    return Result(status: "ignored", order: draft.externalID.rawValue)
                }
                return Result(status: "recorded", order: draft.externalID.rawValue)
            case "order.cancelled":
                let order = try ExternalID(data.order ?? "", field: "data.order")
                guard try await connection.cancel(order: order, now: now, settleNow: false) != nil else {
                    throw JifenError.conflict("order '\(order)' is not recorded yet")
                }
                return Result(status: "recorded", order: order.rawValue)
            case "refund.created":
                let order = try ExternalID(data.order ?? "", field: "data.order")
                guard let refund = data.refund else { throw JifenError.invalid("data.refund", "is required") }
                let draft = try RefundDraft.validate(
                    externalID: refund.externalID,
                    amount: refund.amount,
                    lines: refund.lines ?? []
                )
                guard try await connection.refund(order: order, draft, now: now, settleNow: false) != nil else {
                    throw JifenError.conflict("order '\(order)' is not recorded yet")
                }
                return Result(status: "recorded", order: order.rawValue)
            default:
                return Result(status: "ignored")
            }
        }
    }

    /// ISO 8601 dates with or without fractional seconds, as platforms send them.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
                return date
            }
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)")
            )
        }
        return decoder
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ body: Data, _ decoder: JSONDecoder) throws -> T {
        do {
            return try decoder.decode(T.self, from: body)
        } catch {
            throw JifenError.invalid("body", "is not a payload Jifen understands: \(error)")
        }
    }
}
