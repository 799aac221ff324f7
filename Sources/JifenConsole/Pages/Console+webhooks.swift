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
            "form_key": Self.formKey(),
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
        try await once(visit, key: "replay:\(id)", hashing: [id]) {
            _ = try await call(visit) { try await $0.replayWebhookDelivery(.init(path: .init(delivery: id))).accepted }
        }
        return Self.redirect("/console/webhooks?done=replayed")
    }

    /// The shop's audit log, newest first: who changed what, from the API, the console or the
    /// operator (owners only).
    func auditPage(_ visit: Visit) async throws -> Response {
        let format = visit.format
        let log = try await call(visit) {
            try Wire.object(try await $0.listAuditLog(.init(query: .init(limit: 100))).ok.body.json)
        }
        let entries = Wire.array(log["data"]).map { entry -> [String: Any] in
            let actor = entry["actor"] as? [String: Any] ?? [:]
            let target = entry["target"] as? [String: Any] ?? [:]
            let kind = Wire.string(actor["kind"])
            let name = Wire.string(actor["name"])
            let after = entry["after"].flatMap { value -> String? in
                guard JSONSerialization.isValidJSONObject(value),
                    let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
                else { return nil }
                return String(decoding: data, as: UTF8.self)
            }
            return [
                "created_at": Wire.date(entry["created_at"]).map(format.time) ?? "",
                "actor_kind": kind,
                "actor": visit.label("actor", kind) + (name.isEmpty ? "" : " · " + name),
                "action": Wire.string(entry["action"]),
                "target": [Wire.string(target["kind"]), Wire.string(target["id"])].filter { !$0.isEmpty }
                    .joined(separator: " "),
                "changes": after.map { $0.count > 240 ? String($0.prefix(240)) + "…" : $0 } ?? "",
            ]
        }
        return page(
            Page(template: "audit", title: visit.text("nav_audit"), values: ["entries": entries], section: "audit"),
            visit
        )
    }
}
