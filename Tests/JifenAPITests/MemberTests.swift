import JifenTestSupport
import Testing

@testable import JifenAPI

@Suite struct MemberTests {
    @Test func putCreatesThenReplacesTheProfile() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let created = try await api.send(
                .put,
                "/v1/members/cust-1",
                key: shop.key,
                json: #"{"email":"li.wei@example.com","name":"Li Wei","tags":["vip","tea"]}"#
            )
            #expect(created.status == .created)
            let first = try created.decoded(Components.Schemas.Member.self)
            #expect(first.tags == ["vip", "tea"])

            let replaced = try await api.send(.put, "/v1/members/cust-1", key: shop.key, json: #"{"tags":["tea"]}"#)
            #expect(replaced.status == .ok)
            let member = try replaced.decoded(Components.Schemas.Member.self)
            #expect(member.tags == ["tea"])
            #expect(member.email == nil)
            #expect(member.id == first.id)
        }
    }

    @Test func invalidProfilesNameTheField() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let response = try await api.send(.put, "/v1/members/cust-1", key: shop.key, json: #"{"email":"nope"}"#)
            #expect(response.status == .unprocessableContent)
            let problem = try response.decoded(Components.Schemas.Problem.self)
            #expect(problem.errors?.first?.field == "email")
            let badID = try await api.send(.put, "/v1/members/bad%20id", key: shop.key, json: "{}")
            #expect(badID.status == .unprocessableContent)
        }
        #expect(try await TestServers.shared.count("members", tenant: shop.tenant) == 0)
    }

    @Test func listsMembersNewestFirstWithCursors() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            for index in 1...5 { try await api.send(.put, "/v1/members/m-\(index)", key: shop.key, json: "{}") }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/v1/members?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.send(.get, uri, key: shop.key).decoded(Components.Schemas.MemberList.self)
                seen += page.data.map(\.externalId)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == ["m-5", "m-4", "m-3", "m-2", "m-1"])
        }
    }
}
