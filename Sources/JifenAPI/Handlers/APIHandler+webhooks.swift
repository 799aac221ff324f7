import Foundation
import JifenCore
import JifenPostgres
import JifenWebhooks

extension APIHandler {
    public func createWebhookEndpoint(_ input: Operations.CreateWebhookEndpoint.Input) async throws
        -> Operations.CreateWebhookEndpoint.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let (_, types) = try Self.validateEndpoint(
            url: body.url,
            eventTypes: body.eventTypes?.map(\.rawValue),
            description: body.description
        )
        let secret = WebhookSecret.generate()
        let endpoint = try await withTenant { connection in
            let endpoint = try await connection.createEndpoint(
                url: body.url,
                eventTypes: types ?? [],
                description: body.description,
                secret: secret.text
            )
            try await connection.recordAudit(
                .webhookEndpointCreated,
                target: endpoint.id.uuidString.lowercased(),
                after: Components.Schemas.WebhookEndpoint(endpoint)
            )
            return endpoint
        }
        logger.info("webhook endpoint created", metadata: ["endpoint": "\(endpoint.id)"])
        return .created(.init(body: .json(.init(endpoint: .init(endpoint), secret: secret.text))))
    }

    public func listWebhookEndpoints(_ input: Operations.ListWebhookEndpoints.Input) async throws
        -> Operations.ListWebhookEndpoints.Output
    {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { try await $0.endpoints(limit: limit, after: cursor) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.WebhookEndpoint.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func getWebhookEndpoint(_ input: Operations.GetWebhookEndpoint.Input) async throws
        -> Operations.GetWebhookEndpoint.Output
    {
        let id = try Self.lookupUUID(input.path.endpoint, kind: "webhook endpoint")
        guard let endpoint = try await withTenant({ try await $0.endpoint(id) }) else {
            throw JifenError.notFound("no webhook endpoint '\(input.path.endpoint)'")
        }
        return .ok(.init(body: .json(.init(endpoint))))
    }

    public func updateWebhookEndpoint(_ input: Operations.UpdateWebhookEndpoint.Input) async throws
        -> Operations.UpdateWebhookEndpoint.Output
    {
        let id = try Self.lookupUUID(input.path.endpoint, kind: "webhook endpoint")
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let (url, types) = try Self.validateEndpoint(
            url: body.url,
            eventTypes: body.eventTypes?.map(\.rawValue),
            description: body.description
        )
        guard
            let endpoint = try await withTenant({ connection -> WebhookEndpoint? in
                guard let old = try await connection.endpoint(id),
                    let endpoint = try await connection.updateEndpoint(
                        id,
                        url: url,
                        eventTypes: types,
                        description: body.description,
                        enabled: body.enabled
                    )
                else { return nil }
                try await connection.recordAudit(
                    .webhookEndpointUpdated,
                    target: id.uuidString.lowercased(),
                    before: Components.Schemas.WebhookEndpoint(old),
                    after: Components.Schemas.WebhookEndpoint(endpoint)
                )
                return endpoint
            })
        else { throw JifenError.notFound("no webhook endpoint '\(input.path.endpoint)'") }
        return .ok(.init(body: .json(.init(endpoint))))
    }

    public func deleteWebhookEndpoint(_ input: Operations.DeleteWebhookEndpoint.Input) async throws
        -> Operations.DeleteWebhookEndpoint.Output
    {
        let id = try Self.lookupUUID(input.path.endpoint, kind: "webhook endpoint")
        let deleted = try await withTenant { connection -> Bool in
            guard let old = try await connection.endpoint(id), try await connection.deleteEndpoint(id) else {
                return false
            }
            try await connection.recordAudit(
                .webhookEndpointDeleted,
                target: id.uuidString.lowercased(),
                before: Components.Schemas.WebhookEndpoint(old)
            )
            return true
        }
        guard deleted else {
            throw JifenError.notFound("no webhook endpoint '\(input.path.endpoint)'")
        }
        return .noContent(.init())
    }

    public func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws
        -> Operations.RotateWebhookSecret.Output
    {
        let id = try Self.lookupUUID(input.path.endpoint, kind: "webhook endpoint")
        let secret = WebhookSecret.generate()
        let overlap = Date().addingTimeInterval(24 * 3600)
        guard
            let endpoint = try await withTenant({ connection -> WebhookEndpoint? in
                guard let endpoint = try await connection.rotateSecret(id, secret: secret.text, overlapUntil: overlap)
                else { return nil }
                // Never the secret: that it changed, and until when the old one is still signed with.
                try await connection.recordAudit(
                    .webhookEndpointSecretRotated,
                    target: id.uuidString.lowercased(),
                    after: ["previous_secret_valid_until": overlap]
                )
                return endpoint
            })
        else { throw JifenError.notFound("no webhook endpoint '\(input.path.endpoint)'") }
        return .ok(.init(body: .json(.init(endpoint: .init(endpoint), secret: secret.text))))
    }

    public func testWebhookEndpoint(_ input: Operations.TestWebhookEndpoint.Input) async throws
        -> Operations.TestWebhookEndpoint.Output
    {
        let id = try Self.lookupUUID(input.path.endpoint, kind: "webhook endpoint")
        guard let delivery = try await withTenant({ try await $0.sendTest(endpoint: id) }) else {
            throw JifenError.notFound("no webhook endpoint '\(input.path.endpoint)'")
        }
        return .accepted(.init(body: .json(.init(delivery))))
    }

    public func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws
        -> Operations.ListWebhookDeliveries.Output
    {
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        var endpoint: UUID?
        if let text = input.query.endpoint {
            guard let id = UUID(uuidString: text) else {
                throw JifenError.invalid("endpoint", "must be an endpoint id")
            }
            endpoint = id
        }
        let filter = DeliveryFilter(
            endpoint: endpoint,
            state: input.query.status?.rawValue,
            eventType: input.query.eventType
        )
        let page = try await withTenant { try await $0.deliveries(filter: filter, limit: limit, after: cursor) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.items.map(Components.Schemas.WebhookDelivery.init),
                        nextCursor: page.nextCursor?.encoded
                    )
                )
            )
        )
    }

    public func replayWebhookDelivery(_ input: Operations.ReplayWebhookDelivery.Input) async throws
        -> Operations.ReplayWebhookDelivery.Output
    {
        guard let id = WebhookDelivery.id(fromMessageID: input.path.delivery) else {
            throw JifenError.notFound("no webhook delivery '\(input.path.delivery)'")
        }
        let replayed = try await withTenant { connection -> WebhookDelivery? in
            guard let delivery = try await connection.replay(delivery: id) else { return nil }
            try await connection.recordAudit(.webhookDeliveryReplayed, target: input.path.delivery)
            return delivery
        }
        guard let delivery = replayed else {
            throw JifenError.notFound("no webhook delivery '\(input.path.delivery)'")
        }
        return .accepted(.init(body: .json(.init(delivery))))
    }

    public func setShopifySecret(_ input: Operations.SetShopifySecret.Input) async throws
        -> Operations.SetShopifySecret.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        try Self.validateSecret(body.secret)
        try await withTenant { connection in
            try await connection.setInboundSecret(.shopify, secret: body.secret)
            // That it was set, never the secret.
            try await connection.recordAudit(.integrationSecretSet, target: "shopify", after: ["configured": true])
        }
        return .noContent(.init())
    }

    public func setStandardWebhooksSecret(_ input: Operations.SetStandardWebhooksSecret.Input) async throws
        -> Operations.SetStandardWebhooksSecret.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        guard WebhookSecret(body.secret) != nil else {
            throw JifenError.invalid("secret", "must be a Standard Webhooks secret: whsec_ and base64 of 16–64 bytes")
        }
        try await withTenant { connection in
            try await connection.setInboundSecret(.standard, secret: body.secret)
            // That it was set, never the secret.
            try await connection.recordAudit(.integrationSecretSet, target: "standard", after: ["configured": true])
        }
        return .noContent(.init())
    }

    static func validateSecret(_ secret: String) throws(JifenError) {
        var validator = Validator()
        validator.text(secret, "secret", max: 256, required: true)
        if secret.count < 8 { validator.fail("secret", "must be at least 8 characters") }
        try validator.finish()
    }

    static func validateEndpoint(url: String?, eventTypes: [String]?, description: String?) throws(JifenError) -> (
        String?, [String]?
    ) {
        var validator = Validator()
        if let url {
            validator.text(url, "url", max: 2048, required: true)
            let components = URLComponents(string: url)
            let scheme = components?.scheme?.lowercased()
            if components?.host?.isEmpty ?? true || !(scheme == "https" || scheme == "http") {
                validator.fail("url", "must be an http or https URL")
            }
        }
        validator.text(description, "description", max: 200)
        if let eventTypes {
            if eventTypes.count > 20 { validator.fail("event_types", "must have at most 20 items") }
            for (i, type) in eventTypes.enumerated() where !EventCatalogue.isKnown(type) {
                validator.fail("event_types[\(i)]", "'\(type)' is not an event type")
            }
        }
        try validator.finish()
        return (url, eventTypes.map { Array(Set($0)).sorted() })
    }
}

extension Components.Schemas.WebhookEndpoint {
    init(_ endpoint: WebhookEndpoint) {
        self.init(
            id: endpoint.id.uuidString.lowercased(),
            url: endpoint.url,
            eventTypes: endpoint.eventTypes,
            description: endpoint.description,
            enabled: endpoint.enabled,
            disabledReason: endpoint.disabledReason,
            failingSince: endpoint.failingSince,
            createdAt: endpoint.createdAt,
            updatedAt: endpoint.updatedAt
        )
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ delivery: WebhookDelivery) {
        self.init(
            id: delivery.messageID,
            endpoint: delivery.endpointID.uuidString.lowercased(),
            eventType: delivery.eventType,
            payload: delivery.payload,
            state: .init(rawValue: delivery.state) ?? .pending,
            attempts: delivery.attempts.map {
                .init(
                    number: $0.number,
                    attemptedAt: $0.attemptedAt,
                    statusCode: $0.statusCode,
                    latencyMs: $0.latencyMilliseconds,
                    error: $0.error,
                    response: $0.response
                )
            },
            nextAttemptAt: delivery.nextAttemptAt,
            createdAt: delivery.createdAt,
            deliveredAt: delivery.deliveredAt
        )
    }
}
