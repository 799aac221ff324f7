import Foundation
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres

/// The program editor (the API's JSON, checked as the API checks it) and the earning preview.
extension Console {
    /// Fields of `GET /v1/program` that `PUT` does not take: the editor leaves them out.
    static let readOnlyProgramFields: Set<String> = ["version", "created_at", "updated_at"]

    func programPage(
        _ visit: Visit,
        submitted: String? = nil,
        status: HTTPResponse.Status = .ok,
        problem: JifenError? = nil
    ) async throws -> Response {
        let session = try visit.staff()
        let current = try await call(visit) { try Wire.object(try await $0.getProgram(.init()).ok.body.json) }
        let editable = current.filter { !Self.readOnlyProgramFields.contains($0.key) }
        let pretty = try JSONSerialization.data(withJSONObject: editable, options: [.prettyPrinted, .sortedKeys])
        let currency = visit.query["currency"] ?? visit.currency ?? "CNY"
        var values: [String: Any] = [
            "program_json": submitted ?? String(decoding: pretty, as: UTF8.self),
            "program_note": visit.text("program_note", ["version": String(Wire.int(current["version"]))]),
            "can_edit": session.staff.role.allows(.editProgram),
            "form_key": Self.formKey(),
            "preview_amount": visit.query["amount"] ?? "259.90",
            "preview_currency": currency,
            "preview_category": visit.query["category"] ?? "",
            "preview_first": visit.query["first_order"] == "1",
        ]
        var problem = problem
        var status = status
        if let amount = visit.query["amount"] {
            do {
                values["preview"] = try await preview(visit, amount: amount, currency: currency)
            } catch let error as JifenError {
                problem = problem ?? error
                status = status == .ok ? error.status : status
            }
        }
        let flash = visit.query["done"] == "saved" ? visit.text("flash_program_saved") : nil
        return page(
            Page(
                template: "program",
                title: visit.text("nav_program"),
                values: values,
                status: status,
                flash: flash,
                problem: problem,
                section: "program"
            ),
            visit
        )
    }

    /// What the saved program awards an example order: the core's own earning rules, as
    /// scoring applies them (no tier or campaign multiplier: the example has no member).
    func preview(_ visit: Visit, amount: String, currency code: String) async throws -> [String: Any] {
        let currency = try Currency(code.uppercased(), field: "currency")
        guard let minor = ConsoleFormat.minorUnits(amount, digits: currency.minorUnitDigits), minor > 0 else {
            throw JifenError.invalid("amount", visit.text("amount_invalid"))
        }
        guard let program = visit.program else { throw JifenError(.unauthorized, visit.text("signed_out")) }
        let category = visit.query["category"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let lines =
            category.isEmpty
            ? [] : [OrderLine(sku: "preview", category: category, quantity: 1, unitAmount: minor)]
        let award =
            program.earns(in: currency)
            ? program.earning.award(
                for: EarningInput(amount: minor, minorUnitsPerMajor: currency.minorUnitsPerMajor, lines: lines),
                context: EarningContext(isFirstOrder: visit.query["first_order"] == "1")
            ) : .currencyMismatch
        let format = visit.format
        return [
            "points_raw": String(award.points),
            "points": format.points(award.points),
            "base": format.points(award.base),
            "bonus": format.points(award.bonus),
            "reason": award.reason.map { visit.text("award_" + $0.rawValue) } ?? "",
        ]
    }

    func saveProgram(_ visit: Visit) async throws -> Response {
        let text = visit.form["program"]
        do {
            let body = try api.body("replaceProgram", json: Data(text.utf8), as: Components.Schemas.ProgramInput.self)
            // Once per form: a double click makes one version, not two.
            try await once(visit, key: "program", hashing: [text]) {
                _ = try await call(visit) { try await $0.replaceProgram(.init(body: .json(body))).ok }
            }
        } catch let error as JifenError {
            return try await programPage(visit, submitted: text, status: error.status, problem: error)
        }
        return Self.redirect("/console/program?done=saved")
    }
}
