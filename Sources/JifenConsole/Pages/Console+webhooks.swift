import Foundation
import Hummingbird
import JifenAPI
import JifenCore

/// Webhook endpoints and the delivery log, with replay of a delivery.
extension Console {
    static let deliveryStates = ["failed", "pending", "succeeded"]

    func webhooksPage(_ visit: Visit) async throws -> Response {
        let format = visit.format
        let state = visit.query["state"].flatMap { Self.deliveryStates.contains($0) ? $0 : nil }
        let (endpoints, deliveries) = try await call(visit) { api in
            (
                try Wire.object(try await api.listWebhookEndpoints(.init(query: .init(limit: 50))).ok.body.json),
                try Wire.object(
                    try await api.listWebhookDeliveries(
                        .init(query: .init(limit: 50, status: state.flatMap { .init(rawValue: $0) }))
                    ).ok.body.json
                )
            )
        }
        let canReplay = try visit.staff().staff.role.allows(.replayDeliveries)
        let values: [String: Any] = [
            "endpoints": Wire.array(endpoints["data"]).map { endpoint -> [String: Any] in
                let enabled = (endpoint["enabled"] as? Bool) ?? false
                let events = (endpoint["event_types"] as? [Any])?.compactMap { $0 as? String } ?? []
                return [
                    "id": Wire.string(endpoint["id"]),
                    "url": Wire.string(endpoint["url"]),
                    "events": events.isEmpty ? visit.text("all_events") : events.joined(separator: ", "),
                    "state": enabled ? visit.text("enabled") : visit.text("disabled"),
                    "failing_since": Wire.date(endpoint["failing_since"]).map(format.time) ?? "",
                ]
            },
            "state_options":
                ([("", visit.text("all"))] + Self.deliveryStates.map { ($0, visit.text("delivery_" + $0)) })
                .map { value, label -> [String: Any] in
                    ["value": value, "label": label, "selected": value == (state ?? "")]
                },
            "deliveries": Wire.array(deliveries["data"]).map { delivery -> [String: Any] in
                let attempts = Wire.array(delivery["attempts"])
                let last = attempts.last
                let answer =
                    last.map { attempt -> String in
                        if let status = attempt["status_code"] { return "HTTP \(Wire.int(status))" }
                        return Wire.string(attempt["error"])
                    } ?? ""
                let id = Wire.string(delivery["id"])
                let state = Wire.string(delivery["state"])
                return [
                    "id": id,
                    "event_type": Wire.string(delivery["event_type"]),
                    "state_raw": state,
                    "state": visit.text("delivery_" + state),
                    "attempts": String(attempts.count),
                    "last_answer": answer,
                    "created_at": Wire.date(delivery["created_at"]).map(format.time) ?? "",
                    "replayable": canReplay && state != "pending",
                    "replay_label": visit.text("replay_label", ["id": id]),
                ]
            },
        ]
        let flash = visit.query["done"] == "replayed" ? visit.text("flash_replayed") : nil
        return page(
            Page(
                template: "webhooks",
                title: visit.text("nav_webhooks"),
                values: values,
                flash: flash,
                section: "webhooks"
            ),
            visit
        )
    }

    func replay(_ visit: Visit) async throws -> Response {
        let id = try visit.parameter("delivery")
        _ = try await call(visit) { try await $0.replayWebhookDelivery(.init(path: .init(delivery: id))).accepted }
        return Self.redirect("/console/webhooks?done=replayed")
    }
}
