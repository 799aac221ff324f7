import Foundation
import JifenCore
import JifenTestSupport
import Testing

@testable import JifenAPI

@Suite struct ProgramTests {
    @Test func aShopStartsOnTheDefaultProgramAndEverySaveIsANewVersion() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            let initial = try await api.send(.get, "/v1/program", key: shop.key).json()
            #expect(initial["version"] as? Int == 0)
            #expect(initial["clawback"] as? String == "allow_negative")
            #expect((initial["earning"] as? [String: Any])?["rounding"] as? String == "floor")

            let first = try await api.putProgram(
                #"{"currency":"CNY","time_zone":"Asia/Shanghai","earning":{"rate":{"points":1,"per":10}},"pending_days":7}"#,
                key: shop.key
            )
            #expect(first.status == .ok, "\(first.text)")
            #expect(try first.int("version") == 1)
            let second = try await api.putProgram(#"{"pending_days":3}"#, key: shop.key)
            #expect(try second.int("version") == 2)

            let current = try await api.send(.get, "/v1/program", key: shop.key).json()
            #expect(current["version"] as? Int == 2)
            #expect(current["pending_days"] as? Int == 3)
            // The whole program is replaced: what the second save left out is back to default.
            #expect(current["currency"] == nil)
            #expect(current["time_zone"] as? String == "UTC")

            // Another shop's program is its own.
            #expect(try await api.send(.get, "/v1/program", key: other.key).int("version") == 0)
        }
    }

    @Test func invalidProgramsNameEveryBadField() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let bad = try await api.putProgram(
                #"{"time_zone":"Mars/Olympus","earning":{"rate":{"points":1,"per":1},"multipliers":[{"sku":"A","category":"b","percent":200}]},"activities":[{"type":"review","points":5},{"type":"review","points":6}]}"#,
                key: shop.key
            )
            #expect(bad.status == .unprocessableContent)
            let fields = (try bad.decoded(Components.Schemas.Problem.self).errors ?? []).map(\.field)
            #expect(fields.contains("time_zone"))
            #expect(fields.contains("earning.multipliers[0]"))
            #expect(fields.contains("activities[1].type"))

            let typo = try await api.putProgram(#"{"pending_dayz":3}"#, key: shop.key)
            #expect(typo.status.code >= 400 && typo.status.code < 500, "\(typo.text)")
            #expect(try await api.send(.get, "/v1/program", key: shop.key).int("version") == 0)
        }
    }

    @Test func rulesApplyEndToEndAndTheOrderRecordsItsVersion() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(
                """
                {"earning":{"rate":{"points":1,"per":1},"excluded_categories":["shipping"],\
                "multipliers":[{"sku":"NEW-1","percent":200}],"first_order_bonus":100,"max_points_per_order":1000}}
                """,
                key: shop.key
            )
            // Paid 300.00 over lines tea 200.00 + shipping 100.00: tea's share is 200.00 → 200,
            // plus the first-order bonus → 300.
            let lines =
                #"[{"sku":"TEA","quantity":1,"unit_amount":20000},{"sku":"SHIP","category":"shipping","quantity":1,"unit_amount":10000}]"#
            let first = try await api.paidOrder(
                "o-1",
                member: "m",
                amount: 30_000,
                tenant: shop.tenant,
                key: shop.key,
                lines: lines
            )
            #expect(first == 300)
            // Second order, no bonus; the NEW-1 line earns double: 2 × 150.00 → 300.
            let double = #"[{"sku":"NEW-1","quantity":1,"unit_amount":15000}]"#
            #expect(
                try await api.paidOrder(
                    "o-2",
                    member: "m",
                    amount: 15_000,
                    tenant: shop.tenant,
                    key: shop.key,
                    lines: double
                ) == 300
            )
            // Capped per order.
            #expect(
                try await api.paidOrder("o-3", member: "m", amount: 500_000, tenant: shop.tenant, key: shop.key) == 1000
            )

            let order = try await api.send(.get, "/v1/orders/o-3", key: shop.key).json()
            #expect((order["points"] as? [String: Any])?["program_version"] as? Int == 1)
            let ledger = try await api.send(.get, "/v1/members/m/ledger?kind=earn", key: shop.key).json()
            let reasons = (ledger["data"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons == ["capped_per_order"])
        }
        try await expectAuditClean(shop.tenant)
    }

    /// Scoring keeps decoded programs in memory by (tenant, version) and reads the current
    /// version in the statement that locks the order: a saved change applies to the very next
    /// order scored, with no bound to wait for (issue 16).
    @Test func aSavedProgramAppliesToTheNextOrderScored() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"earning":{"rate":{"points":1,"per":1}}}"#, key: shop.key)
            #expect(
                try await api.paidOrder("o-1", member: "m", amount: 10_000, tenant: shop.tenant, key: shop.key) == 100
            )
            // Version 1 is now in this process's cache; version 2 must win at once.
            try await api.putProgram(#"{"earning":{"rate":{"points":3,"per":1}}}"#, key: shop.key)
            #expect(
                try await api.paidOrder("o-2", member: "m", amount: 10_000, tenant: shop.tenant, key: shop.key) == 300
            )
            let order = try await api.send(.get, "/v1/orders/o-2", key: shop.key)
            #expect(try order.decoded(Components.Schemas.Order.self).points.programVersion == 2)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func ordersInAnotherCurrencyEarnNothingWithAReason() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.putProgram(#"{"currency":"JPY"}"#, key: shop.key)
            #expect(try await api.paidOrder("o-1", member: "m", tenant: shop.tenant, key: shop.key) == 0)
            let order = try await api.send(.get, "/v1/orders/o-1", key: shop.key)
            #expect(try order.decoded(Components.Schemas.Order.self).points.state == .none)
            let ledger = try await api.send(.get, "/v1/members/m/ledger", key: shop.key)
            #expect(try ledger.decoded(Components.Schemas.LedgerPage.self).data.first?.reason == "currency_mismatch")
        }
    }
}
