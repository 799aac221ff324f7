import Foundation
import Hummingbird
import JifenAPI
import JifenCore
import JifenPostgres

/// Campaign and journey results (with their control groups' lift) and the reports, each as a
/// chart with its numbers in a table beside it.
extension Console {
    /// A rate (0…1) in tenths of a percent, the unit the charts and tables share.
    static func perMille(_ rate: Double?) -> Int {
        guard let rate, rate.isFinite, rate.magnitude < 1e12 else { return 0 }
        return Int((rate * 1000).rounded())
    }

    /// Tenths of a percent as text: 667 → "66.7%", -5 → "-0.5%".
    static let percentFormat: @Sendable (Int) -> String = { value in
        (value < 0 ? "-" : "") + "\(value.magnitude / 10).\(value.magnitude % 10)%"
    }

    /// A rate as a percentage with one decimal; "–" for none.
    static func percent(_ rate: Double?) -> String {
        guard let rate, rate.isFinite else { return "–" }
        return percentFormat(perMille(rate))
    }

    /// A difference of rates in percentage points, always signed ("+16.7", "−70.8").
    static func points(_ rate: Double?) -> String {
        guard let rate, rate.isFinite else { return "–" }
        return (rate < 0 ? "−" : "+") + percentFormat(perMille(rate.magnitude)).dropLast()
    }

    /// A bar chart in the page's language: its description points to the table of the same
    /// numbers beside it (what a screen reader should read), and an empty one says so.
    static func chart(
        _ visit: Visit,
        id: String,
        title: String,
        categories: [String],
        series: [ChartSeries],
        formatValue: @escaping @Sendable (Int) -> String
    ) -> String {
        BarChart(
            title: title,
            categories: categories,
            series: series,
            emptyText: visit.text("no_data"),
            description: visit.text("chart_description"),
            id: id,
            formatValue: formatValue
        ).svg()
    }

    func campaignsPage(_ visit: Visit) async throws -> Response {
        let ids = try await withTenant(visit) { try await $0.recentCampaignIDs(limit: 20) }
        let format = visit.format
        var rows: [[String: Any]] = []
        for id in ids {
            let (campaign, results) = try await call(visit) { api in
                let campaign = try Wire.object(
                    try await api.getCampaign(.init(path: .init(campaign: id.uuidString))).ok.body.json
                )
                // Only campaigns with a control group have results.
                let results = try? Wire.object(
                    try await api.getCampaignResults(.init(path: .init(campaign: id.uuidString))).ok.body.json
                )
                return (campaign, results)
            }
            let progress = campaign["progress"] as? [String: Any] ?? [:]
            var row: [String: Any] = [
                "id": id.uuidString.lowercased(),
                "name": Wire.string(campaign["name"]),
                "kind": visit.label("campaign", Wire.string(campaign["kind"])),
                "state": visit.label("campaign", Wire.string(campaign["state"])),
                "members": format.points(Wire.int(progress["total"])),
                "held_out": format.points(Wire.int(campaign["held_out"])),
                "created_at": Wire.date(campaign["created_at"]).map(format.day) ?? "",
            ]
            if let results, Wire.int((results["holdout"] as? [String: Any])?["members"]) > 0 {
                row["results"] = lift(
                    results,
                    name: Wire.string(campaign["name"]),
                    id: "campaign-chart-\(id.uuidString.lowercased())",
                    visit
                )
            }
            rows.append(row)
        }
        return page(
            Page(
                template: "campaigns",
                title: visit.text("nav_campaigns"),
                values: ["campaigns": rows],
                section: "campaigns"
            ),
            visit
        )
    }

    /// Response rates of the stimulated members and the control group, and the lift between.
    func lift(_ results: [String: Any], name: String, id: String, _ visit: Visit) -> [String: Any] {
        let format = visit.format
        let currency = visit.currency ?? "CNY"
        let arms: [(String, [String: Any], Double?)] = [
            (
                visit.text("arm_stimulated"), results["stimulated"] as? [String: Any] ?? [:],
                Wire.double(results["stimulated_rate"])
            ),
            (
                visit.text("arm_holdout"), results["holdout"] as? [String: Any] ?? [:],
                Wire.double(results["holdout_rate"])
            ),
        ]
        let chart = Self.chart(
            visit,
            id: id,
            title: visit.text("chart_response_rate", ["name": name]),
            categories: arms.map(\.0),
            series: [ChartSeries(name: visit.text("response_rate"), values: arms.map { Self.perMille($0.2) })],
            formatValue: Self.percentFormat
        )
        return [
            "lift_sentence": visit.text(
                "lift_sentence",
                [
                    "stimulated": Self.percent(arms[0].2), "holdout": Self.percent(arms[1].2),
                    "lift": Self.points(Wire.double(results["lift"])),
                    "low": Self.points(Wire.double(results["low"])), "high": Self.points(Wire.double(results["high"])),
                    "days": String(Wire.int(results["evaluation_days"])),
                ]
            ),
            "chart": chart,
            "arms": arms.map { arm, outcome, rate -> [String: Any] in
                [
                    "arm": arm,
                    "members": format.points(Wire.int(outcome["members"])),
                    "responders": format.points(Wire.int(outcome["responders"])),
                    "rate": Self.percent(rate),
                    "revenue": format.money(Wire.int(outcome["revenue"]), currency: currency),
                    "points_cost": format.points(Wire.int(outcome["points_cost"])),
                ]
            },
        ]
    }

    func journeysPage(_ visit: Visit) async throws -> Response {
        let format = visit.format
        let journeys = try await call(visit) { api -> [([String: Any], [String: Any]?)] in
            let page = try Wire.object(try await api.listJourneys(.init(query: .init(limit: 20))).ok.body.json)
            var out: [([String: Any], [String: Any]?)] = []
            for journey in Wire.array(page["data"]) {
                let id = Wire.string(journey["id"])
                let results = try? Wire.object(
                    try await api.getJourneyResults(.init(path: .init(journey: id))).ok.body.json
                )
                out.append((journey, results))
            }
            return out
        }
        let rows = journeys.map { journey, results -> [String: Any] in
            let steps = Wire.array(results?["steps"])
            let labels = steps.map { step in
                visit.text(
                    "step_label",
                    [
                        "number": String(Wire.int(step["step"]) + 1),
                        "action": visit.text("action_" + Wire.string(step["action"])),
                    ]
                )
            }
            let chart = Self.chart(
                visit,
                id: "journey-chart-" + Wire.string(journey["id"]),
                title: visit.text("chart_response_rate", ["name": Wire.string(journey["name"])]),
                categories: labels,
                series: [
                    ChartSeries(
                        name: visit.text("arm_stimulated"),
                        values: steps.map { Self.perMille(Wire.double($0["stimulated_rate"])) }
                    ),
                    ChartSeries(
                        name: visit.text("arm_holdout"),
                        values: steps.map { Self.perMille(Wire.double($0["holdout_rate"])) }
                    ),
                ],
                formatValue: Self.percentFormat
            )
            return [
                "id": Wire.string(journey["id"]),
                "name": Wire.string(journey["name"]),
                "state": visit.label("journey", Wire.string(journey["state"])),
                "members": format.points(Wire.int(journey["members"])),
                "held_out": format.points(Wire.int(journey["held_out"])),
                "created_at": Wire.date(journey["created_at"]).map(format.day) ?? "",
                "chart": chart,
                "steps": zip(labels, steps).map { label, step -> [String: Any] in
                    [
                        "step": label,
                        "reached": format.points(Wire.int((step["stimulated"] as? [String: Any])?["members"])),
                        "held_out": format.points(Wire.int((step["holdout"] as? [String: Any])?["members"])),
                        "rate": Self.percent(Wire.double(step["stimulated_rate"])),
                        "control_rate": Self.percent(Wire.double(step["holdout_rate"])),
                        "lift": Self.points(Wire.double(step["lift"])),
                    ]
                },
            ]
        }
        return page(
            Page(
                template: "journeys",
                title: visit.text("nav_journeys"),
                values: ["journeys": rows],
                section: "journeys"
            ),
            visit
        )
    }

    func reportsPage(_ visit: Visit) async throws -> Response {
        let format = visit.format
        let (liability, flows, cohorts) = try await call(visit) { api in
            (
                try Wire.object(try await api.getPointsLiabilityReport(.init(query: .init())).ok.body.json),
                try Wire.object(try await api.getPointsFlowsReport(.init(query: .init())).ok.body.json),
                try Wire.object(try await api.getRepeatPurchaseReport(.init(query: .init())).ok.body.json)
            )
        }
        // The liability report's latest period: today's outstanding points by expiry month, each
        // with its worth at the redemption rate.
        let expiring = Wire.array(Wire.array(liability["periods"]).last?["by_expiry_month"]).map {
            (month: $0["month"] as? String, points: Wire.int($0["points"]), value: Wire.int($0["value"]))
        }
        let currency = (liability["currency"] as? String) ?? visit.currency ?? "CNY"
        let zone = Wire.string((liability["report"] as? [String: Any])?["time_zone"])
        let liabilityLabels = expiring.map { $0.month ?? visit.text("never") }
        let liabilityChart = Self.chart(
            visit,
            id: "liability-chart",
            title: visit.text("liability"),
            categories: liabilityLabels,
            series: [ChartSeries(name: visit.text("points"), values: expiring.map { Int(clamping: $0.points) })],
            formatValue: { ConsoleFormat.grouped(Int64($0)) }
        )
        let periods = Wire.array(flows["periods"])
        let flowLabels = periods.map { String(Wire.string($0["start"]).prefix(7)) }
        func flow(_ key: String) -> [Int] {
            periods.map { Int(clamping: Wire.int(($0["total"] as? [String: Any])?[key])) }
        }
        let flowsChart = Self.chart(
            visit,
            id: "flows-chart",
            title: visit.text("flows"),
            categories: flowLabels,
            series: [
                ChartSeries(name: visit.text("earned"), values: flow("earned")),
                ChartSeries(name: visit.text("redeemed"), values: flow("redeemed")),
                ChartSeries(name: visit.text("expired"), values: flow("expired")),
            ],
            formatValue: { ConsoleFormat.grouped(Int64($0)) }
        )
        let cohortRows = Wire.array(cohorts["cohorts"])
        // Each cohort's longest window that has fully passed: the repeat rate it reached.
        let settled = cohortRows.map { cohort -> (label: String, members: Int64, repeated: Int64, rate: Double?) in
            let windows = Wire.array(cohort["windows"])
            let window = windows.last { ($0["complete"] as? Bool) == true } ?? windows.first
            return (
                String(Wire.string(cohort["start"]).prefix(7)), Wire.int(cohort["members"]),
                Wire.int(window?["repeated"]), Wire.double(window?["rate"])
            )
        }
        let cohortsChart = Self.chart(
            visit,
            id: "cohorts-chart",
            title: visit.text("cohorts"),
            categories: settled.map(\.label),
            series: [
                ChartSeries(name: visit.text("new_customers"), values: settled.map { Int(clamping: $0.members) }),
                ChartSeries(name: visit.text("repeat_customers"), values: settled.map { Int(clamping: $0.repeated) }),
            ],
            formatValue: { ConsoleFormat.grouped(Int64($0)) }
        )
        let header = flows["report"] as? [String: Any] ?? [:]
        let values: [String: Any] = [
            "period_note": visit.text(
                "period_note",
                ["from": Wire.string(header["from"]), "to": Wire.string(header["to"]), "zone": zone]
            ),
            "liability_chart": liabilityChart,
            "liability": zip(liabilityLabels, expiring).map { label, bucket -> [String: Any] in
                [
                    "label": label, "points": format.points(bucket.points),
                    "value": format.money(bucket.value, currency: currency),
                ]
            },
            "flows_chart": flowsChart,
            "flows": zip(flowLabels, periods).map { label, period -> [String: Any] in
                let total = period["total"] as? [String: Any] ?? [:]
                return [
                    "label": label, "earned": format.points(Wire.int(total["earned"])),
                    "redeemed": format.points(Wire.int(total["redeemed"])),
                    "expired": format.points(Wire.int(total["expired"])),
                    "reversed": format.points(Wire.int(total["reversed"])),
                ]
            },
            "cohorts_chart": cohortsChart,
            "cohorts": settled.map { cohort -> [String: Any] in
                [
                    "label": cohort.label, "members": format.points(cohort.members),
                    "repeaters": format.points(cohort.repeated), "rate": Self.percent(cohort.rate),
                ]
            },
        ]
        return page(
            Page(template: "reports", title: visit.text("nav_reports"), values: values, section: "reports"),
            visit
        )
    }
}
