import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Testing

@Suite struct CheckInTests {
    @Test func aStreakGrowsDayByDayAndAMissedDayResetsIt() async throws {
        let shop = try await makeTenant()
        let member = try ExternalID("m")
        try await withAPI { api async throws in
            try await api.putProgram(
                #"{"time_zone":"Asia/Shanghai","check_in":{"points":5,"streak_bonuses":[{"day":3,"points":20}]}}"#,
                key: shop.key
            )
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
        }
        // Local days in Shanghai: 02:00Z is 10:00 local.
        let first = try #require(ISO8601DateFormatter().date(from: "2026-12-01T02:00:00Z"))
        func checkIn(dayOffset: Double, hours: Double = 0) async throws -> (CheckIn, Bool)? {
            try await TestServers.shared.database.withTenant(shop.tenant) { connection in
                try await connection.checkIn(
                    member: member,
                    now: first.addingTimeInterval(dayOffset * 86_400 + hours * 3600)
                )
            }
        }
        let day1 = try #require(try await checkIn(dayOffset: 0))
        #expect(day1.1 && day1.0.streak == 1 && day1.0.points == 5 && day1.0.day == "2026-12-01")
        // 15:59Z the same day is 23:59 local: still 1 December, no second check-in.
        let again = try #require(try await checkIn(dayOffset: 0, hours: 13.98))
        #expect(!again.1 && again.0.id == day1.0.id)
        let day2 = try #require(try await checkIn(dayOffset: 1))
        #expect(day2.0.streak == 2 && day2.0.points == 5)
        let day3 = try #require(try await checkIn(dayOffset: 2))
        #expect(day3.0.streak == 3 && day3.0.points == 25 && day3.0.bonus == 20)
        let day5 = try #require(try await checkIn(dayOffset: 4))
        #expect(day5.0.streak == 1 && day5.0.points == 5)
        try await withAPI { api async throws in
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 40)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func theAPIAnswers409WithTodaysCheckInTheSecondTime() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let off = try await api.send(.post, "/v1/members/m/check-ins", key: shop.key)
            #expect(off.status == .conflict)
            #expect(try off.problemType() == "/problems/conflict")

            try await api.putProgram(#"{"check_in":{"points":5}}"#, key: shop.key)
            let first = try await api.send(.post, "/v1/members/m/check-ins", key: shop.key)
            #expect(first.status == .created, "\(first.text)")
            let second = try await api.send(.post, "/v1/members/m/check-ins", key: shop.key)
            #expect(second.status == .conflict)
            #expect(try second.json()["id"] as? String == (try first.json()["id"] as? String))
            #expect(try await api.send(.post, "/v1/members/nobody/check-ins", key: shop.key).status == .notFound)
        }
    }
}

@Suite struct ScheduleTests {
    static let day: TimeInterval = 86_400

    @Test func installmentsAreGrantedOnceEachWithTwoWorkersSweeping() async throws {
        let shop = try await makeTenant()
        let now = Date()
        let id = try await withAPI { api async throws -> String in
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let created = try await api.send(
                .post,
                "/v1/members/m/schedules",
                key: shop.key,
                json:
                    #"{"total_points":200,"installments":3,"period":"month","start":"\#(now.formatted(.iso8601))","reason":"top_up"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let states = (body["installments"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
            #expect(states == ["granted", "upcoming", "upcoming"])
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 67)
            return try #require(body["id"] as? String)
        }
        for months in [1.2, 2.2] {
            let at = now.addingTimeInterval(months * 31 * Self.day)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 { group.addTask { try await runJob(.grantInstallments, tenant: shop.tenant, now: at) } }
                try await group.waitForAll()
            }
        }
        try await withAPI { api async throws in
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 200)
            let list = try await api.send(.get, "/v1/members/m/schedules", key: shop.key).json()
            let schedule = (list["data"] as? [[String: Any]])?.first
            #expect(schedule?["id"] as? String == id)
            #expect(schedule?["state"] as? String == "completed")
            let earned = try await api.send(.get, "/v1/members/m/ledger?kind=earn", key: shop.key).json()
            #expect((earned["data"] as? [[String: Any]])?.count == 3)
            #expect(try await api.send(.post, "/v1/schedules/\(id)/cancel", key: shop.key).status == .conflict)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func refundingTheTopUpStopsTheRest() async throws {
        let shop = try await makeTenant()
        let now = Date()
        try await withAPI { api async throws in
            try await api.paidOrder("top-1", member: "m", amount: 20_000, tenant: shop.tenant, key: shop.key)
            let created = try await api.send(
                .post,
                "/v1/members/m/schedules",
                key: shop.key,
                json:
                    #"{"total_points":100,"installments":4,"period":"week","start":"\#(now.formatted(.iso8601))","reason":"top_up","source_reference":"top-1"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            try await api.send(
                .post,
                "/v1/orders/top-1/refunds",
                key: shop.key,
                json: #"{"external_id":"r","amount":20000}"#
            )
            try await runJob(.grantInstallments, tenant: shop.tenant, now: now.addingTimeInterval(30 * Self.day))
            let list = try await api.send(.get, "/v1/members/m/schedules", key: shop.key).json()
            let schedule = (list["data"] as? [[String: Any]])?.first
            #expect(schedule?["state"] as? String == "cancelled")
            let states = (schedule?["installments"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
            #expect(states == ["granted", "cancelled", "cancelled", "cancelled"])
            // The order's 200 points went back with the refund; the first installment stays.
            #expect(try await api.balance("m", key: shop.key)["available"] as? Int == 25)
            // A refunded order cannot fund a new one.
            let again = try await api.send(
                .post,
                "/v1/members/m/schedules",
                key: shop.key,
                json:
                    #"{"total_points":100,"installments":4,"period":"week","start":"\#(now.formatted(.iso8601))","reason":"top_up","source_reference":"top-1"}"#
            )
            #expect(again.status == .conflict)
        }
        try await expectAuditClean(shop.tenant)
    }

    @Test func badSchedulesAreRefused() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            try await api.send(.put, "/v1/members/m", key: shop.key, json: "{}")
            let tooMany = try await api.send(
                .post,
                "/v1/members/m/schedules",
                key: shop.key,
                json:
                    #"{"total_points":2,"installments":3,"period":"week","start":"2026-12-01T00:00:00Z","reason":"top_up"}"#
            )
            #expect(tooMany.status == .unprocessableContent)
            #expect(try await api.send(.post, "/v1/schedules/not-a-uuid/cancel", key: shop.key).status == .notFound)
        }
    }
}
