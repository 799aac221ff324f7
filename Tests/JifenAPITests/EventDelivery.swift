import Foundation
import JifenCore
import JifenTestSupport
import Testing

@testable import JifenAPI

/// The events a shop receives, end to end: subscribes an endpoint of the tenant to `types`,
/// pointed at a receiver that verifies each message with the `standardwebhooks` package (not our
/// code), runs `act` (which produces the events, moving time with `runJob` as it needs), then fans
/// them out and dispatches every delivery. Returns what the receiver logged.
func deliveredEvents(
    _ types: [String],
    shop: (tenant: TenantID, key: String),
    act: @Sendable (APIClient) async throws -> Void
) async throws -> [Receiver.Entry] {
    let secret = try await withAPI { api async throws -> String in
        let quoted = types.map { "\"\($0)\"" }.joined(separator: ",")
        let created = try await api.send(
            .post,
            "/v1/webhook-endpoints",
            key: shop.key,
            json: #"{"url":"http://127.0.0.1:1/hook","event_types":[\#(quoted)]}"#
        )
        #expect(created.status == .created, "\(created.text)")
        return try #require(try created.json()["secret"] as? String)
    }
    // The secret comes with the endpoint; the receiver needs it to start, so the endpoint is
    // pointed at it afterwards.
    let receiver = try await Receiver(secret: secret)
    try await withAPI { api async throws in
        let endpoint = try #require(
            (try await api.send(.get, "/v1/webhook-endpoints", key: shop.key).json()["data"] as? [[String: Any]])?
                .first?["id"] as? String
        )
        let patched = try await api.send(
            .patch,
            "/v1/webhook-endpoints/\(endpoint)",
            key: shop.key,
            json: #"{"url":"\#(receiver.url)"}"#
        )
        #expect(patched.status == .ok, "\(patched.text)")
        try await act(api)
    }
    try await runJob(.fanOutEvents, tenant: shop.tenant, now: Date())
    let webhooks = OutboundWebhookTests()
    for delivery in try await webhooks.deliveries(shop.tenant) {
        try await webhooks.dispatch(shop.tenant, delivery: delivery.id, now: Date())
    }
    return try receiver.entries()
}
