import Foundation
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres

/// Finding a member, their page, and adjusting their points.
extension Console {
    static let reasonCodes = ["goodwill", "correction", "compensation", "promotion", "other"]

    func membersPage(_ visit: Visit) async throws -> Response {
        let q = visit.query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        var values: [String: Any] = ["q": q]
        if !q.isEmpty {
            let found = try await withTenant(visit) { try await $0.searchMembers(q) }
            values["searched"] = true
            values["results_caption"] = visit.text("results_for", ["query": q, "count": String(found.count)])
            values["results"] = found.map { member -> [String: Any] in
                [
                    "external_id": member.externalID.rawValue,
                    "path_id": Self.pathEscaped(member.externalID.rawValue),
                    "name": member.profile.name ?? "",
                    "email": member.profile.email ?? "",
                    "phone": member.profile.phone ?? "",
                    "available": visit.format.points(member.balance.available),
                    "tier": member.tier.code ?? "",
                ]
            }
        }
        return page(
            Page(template: "members", title: visit.text("nav_members"), values: values, section: "members"),
            visit
        )
    }

    func memberPage(
        _ visit: Visit,
        status: HTTPResponse.Status = .ok,
        problem: JifenError? = nil
    ) async throws -> Response {
        let id = try visit.parameter("member")
        let format = visit.format
        let (member, lots, ledger, coupons, wallet) = try await call(visit) { api in
            let member = try Wire.object(try await api.getMember(.init(path: .init(member: id))).ok.body.json)
            let lots = try Wire.object(
                try await api.listLots(.init(path: .init(member: id), query: .init(limit: 50))).ok.body.json
            )
            let ledger = try Wire.object(
                try await api.listLedgerEntries(.init(path: .init(member: id), query: .init(limit: 50))).ok.body.json
            )
            let coupons = try Wire.object(
                try await api.listMemberCoupons(.init(path: .init(member: id), query: .init(limit: 20))).ok.body.json
            )
            // A member without a wallet has none to show, which the API answers as 404.
            let wallet = try? Wire.object(try await api.getWallet(.init(path: .init(member: id))).ok.body.json)
            return (member, lots, ledger, coupons, wallet)
        }
        let memberID = try UUID(uuidString: Wire.string(member["id"])).orThrow()
        let orders = try await withTenant(visit) { try await $0.memberOrders(memberID, limit: 20) }
        let balance = member["balance"] as? [String: Any] ?? [:]
        let stats = member["stats"] as? [String: Any] ?? [:]
        let session = try visit.staff()
        var values: [String: Any] = [
            "external_id": Wire.string(member["external_id"]),
            "path_id": Self.pathEscaped(Wire.string(member["external_id"])),
            "name": Wire.string(member["name"]),
            "email": Wire.string(member["email"]),
            "phone": Wire.string(member["phone"]),
            "created_at": Wire.date(member["created_at"]).map(format.time) ?? "",
            "order_count": format.points(Wire.int(stats["order_count"])),
            "total_spend": visit.currency.map { format.money(Wire.int(stats["total_spend"]), currency: $0) }
                ?? format.points(Wire.int(stats["total_spend"])),
            "available_raw": String(Wire.int(balance["available"])),
            "available": format.points(Wire.int(balance["available"])),
            "pending": format.points(Wire.int(balance["pending"])),
            "held": format.points(Wire.int(balance["held"])),
            "lifetime_earned": format.points(Wire.int(balance["lifetime_earned"])),
            "lifetime_redeemed": format.points(Wire.int(balance["lifetime_redeemed"])),
            "lifetime_expired": format.points(Wire.int(balance["lifetime_expired"])),
            "can_adjust": session.staff.role.allows(.adjustPoints),
            "points_help": session.staff.role == .staff
                ? visit.text("points_help_limited", ["limit": format.points(configuration.adjustmentLimit.points)])
                : visit.text("points_help"),
            "form_points": visit.form.fields["points"] ?? "",
            "form_key": Self.formKey(),
            "form_note": visit.form.fields["note"] ?? "",
            "reasons": Self.reasonCodes.map { code -> [String: Any] in
                [
                    "code": code, "label": visit.text("reason_\(code)"),
                    "selected": visit.form.fields["reason_code"] == code,
                ]
            },
        ]
        if let tier = member["tier"] as? [String: Any] {
            var shown: [String: Any] = [
                "name": Wire.string(tier["name"]).isEmpty ? Wire.string(tier["code"]) : Wire.string(tier["name"]),
                "since": Wire.date(tier["since"]).map(format.day) ?? "",
            ]
            if let next = tier["next_tier"] as? String {
                let value = Wire.int(tier["value"])
                let threshold = max(Wire.int(tier["next_threshold"]), 1)
                shown["next_tier"] = true
                shown["value"] = String(min(value, threshold))
                shown["threshold"] = String(threshold)
                shown["progress_label"] = visit.text(
                    "tier_progress",
                    ["remaining": format.points(Wire.int(tier["remaining"])), "next": next]
                )
            }
            values["tier"] = shown
        }
        values["lots"] = Wire.array(lots["data"]).map { lot -> [String: Any] in
            [
                "source": visit.label("source", Wire.string(lot["source"])),
                "points": format.points(Wire.int(lot["points"])),
                "remaining": format.points(Wire.int(lot["remaining"])),
                "state": visit.label("lot", Wire.string(lot["state"])),
                "earned_at": Wire.date(lot["earned_at"]).map(format.time) ?? "",
                "expires_at": Wire.date(lot["expires_at"]).map(format.day) ?? visit.text("never"),
            ]
        }
        values["ledger"] = Wire.array(ledger["data"]).map { entry -> [String: Any] in
            let available = Wire.int(entry["available_delta"])
            return [
                "available_raw": String(available),
                "available": (available > 0 ? "+" : "") + format.points(available),
                "pending": format.points(Wire.int(entry["pending_delta"])),
                "kind": visit.label("ledger", Wire.string(entry["kind"])),
                "reason": Wire.string(entry["reason"]),
                "actor": Wire.string(entry["actor"]),
                "description": Wire.string(entry["description"]),
                "created_at": Wire.date(entry["created_at"]).map(format.time) ?? "",
            ]
        }
        values["orders"] = orders.map { order -> [String: Any] in
            [
                "external_id": order.externalID.rawValue,
                "status": visit.label("order", order.status.rawValue),
                "amount": format.money(order.amount.minorUnits, currency: order.amount.currency.code),
                "placed_at": format.time(order.placedAt),
            ]
        }
        let couponRows = Wire.array(coupons["data"]).map { coupon -> [String: Any] in
            [
                "code": Wire.string(coupon["code"]),
                "template_name": Wire.string(coupon["template_name"]),
                "state": visit.label("coupon", Wire.string(coupon["state"])),
                "valid_until": Wire.date(coupon["valid_until"]).map(format.day) ?? "",
            ]
        }
        values["coupons"] = couponRows
        values["has_coupons"] = !couponRows.isEmpty
        // A member who never topped up has an empty wallet, shown as none.
        if let wallet, !Wire.string(wallet["currency"]).isEmpty,
            Wire.int(wallet["lifetime_topped_up"]) > 0 || Wire.int(wallet["available"]) != 0
        {
            let currency = Wire.string(wallet["currency"])
            values["wallet"] = [
                "available": format.money(Wire.int(wallet["available"]), currency: currency),
                "principal": format.money(Wire.int(wallet["principal"]), currency: currency),
                "bonus": format.money(Wire.int(wallet["bonus"]), currency: currency),
                "held": format.money(Wire.int(wallet["held"]), currency: currency),
            ]
        }
        let flash = visit.query["done"] == "adjusted" ? visit.text("flash_adjusted") : nil
        return page(
            Page(
                template: "member",
                title: visit.text("member_title", ["member": Wire.string(member["external_id"])]),
                values: values,
                status: status,
                flash: flash,
                problem: problem,
                section: "members"
            ),
            visit
        )
    }

    func adjust(_ visit: Visit) async throws -> Response {
        let id = try visit.parameter("member")
        let session = try visit.staff()
        do {
            let text = visit.form["points"].trimmingCharacters(in: .whitespaces)
            guard let points = Int64(text) else {
                throw JifenError.invalid("points", visit.text("points_not_integer"))
            }
            try configuration.adjustmentLimit.check(points, role: session.staff.role)
            var document: [String: Any] = [
                "points": points,
                "reason_code": visit.form["reason_code"],
                "actor": "console:\(session.staff.email)",
            ]
            let note = visit.form["note"].trimmingCharacters(in: .whitespacesAndNewlines)
            if !note.isEmpty { document["note"] = note }
            let body = try api.body(
                "createAdjustment",
                json: JSONSerialization.data(withJSONObject: document),
                as: Components.Schemas.AdjustmentInput.self
            )
            // The form's one-time key makes a second click (or a resent form) a replay, as an
            // Idempotency-Key makes a retried API request one.
            try await once(visit, key: "adjustment:\(id)", hashing: [text, visit.form["reason_code"], note]) {
                _ = try await call(visit) { api in
                    try await api.createAdjustment(.init(path: .init(member: id), body: .json(body))).created
                }
            }
        } catch let error as JifenError where error.code != .notFound {
            return try await memberPage(visit, status: error.status, problem: error)
        }
        return Self.redirect("/console/members/\(Self.pathEscaped(id))?done=adjusted")
    }

    static func pathEscaped(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension Optional {
    func orThrow() throws -> Wrapped {
        guard let self else { throw JifenError(.internalError, "a value the API always gives was missing") }
        return self
    }
}
