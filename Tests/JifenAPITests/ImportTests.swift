import Foundation
import HTTPTypes
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import NIOCore
import Testing

@testable import JifenAPI

/// Imports through the API (`POST /v1/imports`), processed by the worker's handler as a worker
/// would run it, in small batches so every import crosses several batch boundaries.
@Suite struct ImportTests {
    /// Uploads `body` as the file of an import; returns the response.
    static func upload(
        _ api: APIClient,
        key: String,
        query: String,
        body: [UInt8],
        contentType: String = "text/csv"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        headers[.authorization] = "Bearer \(key)"
        headers[.contentType] = contentType
        return try await api.client.execute(
            uri: "/v1/imports?\(query)",
            method: .post,
            headers: headers,
            body: ByteBuffer(bytes: body)
        )
    }

    /// Uploads and imports a file to the end; returns the finished import.
    static func importFile(
        _ api: APIClient,
        shop: (tenant: TenantID, key: String),
        query: String,
        _ text: String,
        contentType: String = "text/csv",
        batchRows: Int = 3
    ) async throws -> [String: Any] {
        try await importBytes(
            api,
            shop: shop,
            query: query,
            Array(text.utf8),
            contentType: contentType,
            batchRows: batchRows
        )
    }

    static func importBytes(
        _ api: APIClient,
        shop: (tenant: TenantID, key: String),
        query: String,
        _ bytes: [UInt8],
        contentType: String = "text/csv",
        batchRows: Int = 3
    ) async throws -> [String: Any] {
        let created = try await upload(api, key: shop.key, query: query, body: bytes, contentType: contentType)
        #expect(created.status == .accepted, "\(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        try await process(id, tenant: shop.tenant, batchRows: batchRows)
        let done = try await api.send(.get, "/v1/imports/\(id)", key: shop.key)
        #expect(done.status == .ok)
        _ = try done.decoded(Components.Schemas.Import.self)
        return try done.json()
    }

    /// Runs the import's job as a worker would, again while a run leaves rows (the job it
    /// writes for itself).
    static func process(_ id: String, tenant: TenantID, batchRows: Int = 3) async throws {
        let servers = try await TestServers.shared.ready()
        let handler = ImportHandler(
            database: servers.database,
            logger: servers.logger,
            batchRows: batchRows,
            runBudget: .seconds(3600)
        )
        for _ in 0..<10_000 {
            try await handler.handle(
                Job(id: "test:\(UUID())", kind: .processImport, tenant: tenant, payload: #"{"import_id":"\#(id)"}"#)
            )
            let state = try await servers.database.withTenant(tenant) {
                try await $0.importRecord(UUID(uuidString: id)!)
            }
            if state?.state.isFinal == true { return }
        }
        Issue.record("import \(id) did not finish")
    }

    static func progress(_ body: [String: Any]) -> (imported: Int, skipped: Int, failed: Int) {
        let progress = body["progress"] as? [String: Any] ?? [:]
        return (
            progress["rows_imported"] as? Int ?? -1, progress["rows_skipped"] as? Int ?? -1,
            progress["rows_failed"] as? Int ?? -1
        )
    }

    static func errors(_ api: APIClient, key: String, id: String) async throws -> [[String]] {
        let response = try await api.send(.get, "/v1/imports/\(id)/errors", key: key)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
        return response.text.split(separator: "\r\n").dropFirst().map { line in
            line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func membersFromCSVAndNDJSON() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let csv = """
                external_id,email,name,tags,created_at\r
                m-1,li@example.com,"Li, Wei",vip|tea,2023-05-01T08:00:00Z\r
                m-2,,"Zhang ""Z"" San",,\r
                m-3,wang@example.com,Wang,,2023-06-01T08:00:00+08:00\r
                m-4,,,,

                """
            let first = try await Self.importFile(api, shop: shop, query: "kind=members", csv)
            #expect(first["state"] as? String == "completed")
            #expect(Self.progress(first) == (4, 0, 0))
            let member = try await api.send(.get, "/v1/members/m-1", key: shop.key).json()
            #expect(member["name"] as? String == "Li, Wei")
            #expect(member["tags"] as? [String] == ["vip", "tea"])
            #expect(member["email"] as? String == "li@example.com")
            let quoted = try await api.send(.get, "/v1/members/m-2", key: shop.key).json()
            #expect(quoted["name"] as? String == #"Zhang "Z" San"#)

            let ndjson = """
                {"external_id":"n-1","email":"n1@example.com","tags":["new"]}
                {"external_id":"n-2","name":"N Two","phone":"+8613800000000"}
                {"external_id":"m-1","name":"Someone else"}
                """
            let second = try await Self.importFile(
                api,
                shop: shop,
                query: "kind=members",
                ndjson,
                contentType: "application/x-ndjson"
            )
            #expect(second["format"] as? String == "ndjson")
            #expect(Self.progress(second) == (2, 1, 0))
            #expect(try await api.send(.get, "/v1/members/n-1", key: shop.key).json()["tags"] as? [String] == ["new"])
            // A member imported before keeps its profile: the row is skipped, not applied.
            #expect(try await api.send(.get, "/v1/members/m-1", key: shop.key).json()["name"] as? String == "Li, Wei")

            // The same file again: every row skipped, nothing doubled.
            let again = try await Self.importFile(api, shop: shop, query: "kind=members", csv)
            #expect(Self.progress(again) == (0, 4, 0))
            let count = try await TestServers.shared.database.withTenant(shop.tenant) { connection in
                try await connection.connection.query(
                    "SELECT count(*)::bigint FROM members",
                    logger: TestServers.shared.database.logger
                )
                .decode(Int64.self).first(where: { _ in true })
            }
            #expect(count == 6)
        }
    }

    static let ordersCSV = """
        external_id,member,currency,amount,status,placed_at,paid_at,refund_id,refund_amount,refund_at
        A-1,c-1,CNY,10000,paid,2024-03-01T09:30:00Z,2024-03-01T09:31:00Z,,,
        A-2,c-1,CNY,5000,refunded,2024-04-02T10:00:00Z,2024-04-02T10:00:00Z,R-1,5000,2024-04-05T08:00:00Z
        A-3,c-2,CNY,20000,paid,2024-05-02T10:00:00Z,2024-05-02T10:00:00Z,R-1,3000,2024-05-06T08:00:00Z
        A-3,c-2,,,,,,R-2,2000,2024-05-07T08:00:00Z
        A-4,c-2,CNY,7000,placed,2024-06-01T10:00:00Z,,,,
        A-1,c-1,,,,,,R-9,1000,2024-03-09T08:00:00Z

        """

    @Test func historicalOrdersWithoutPoints() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let done = try await Self.importFile(api, shop: shop, query: "kind=orders&points=none", Self.ordersCSV)
            #expect(done["state"] as? String == "completed", "\(done)")
            #expect(Self.progress(done) == (6, 0, 0))
            let order = try await api.send(.get, "/v1/orders/A-2", key: shop.key).json()
            #expect(order["status"] as? String == "refunded")
            let refunds = try await api.send(.get, "/v1/orders/A-3/refunds", key: shop.key).json()
            #expect((refunds["data"] as? [[String: Any]])?.compactMap { $0["amount"] as? Int } == [3000, 2000])
            // History only: scoring never touches it, and no points exist.
            #expect(try await settle(shop.tenant, order: "A-1") == nil)
            #expect(try await api.balance("c-1", key: shop.key)["available"] as? Int == 0)
            // Segments see it: c-1 has 1 order that counts (A-2 was refunded in full), 9000 spent.
            let member = try await api.send(.get, "/v1/members/c-1", key: shop.key).json()
            let stats = member["stats"] as? [String: Any] ?? member
            #expect(stats["order_count"] as? Int == 1, "\(member)")
            #expect(stats["total_spend"] as? Int == 9000, "\(member)")
            try await expectAuditClean(shop.tenant)

            // The same file again: nothing doubled.
            let again = try await Self.importFile(api, shop: shop, query: "kind=orders&points=none", Self.ordersCSV)
            #expect(Self.progress(again) == (0, 6, 0))
            let refundsAfter = try await api.send(.get, "/v1/orders/A-3/refunds", key: shop.key).json()
            #expect((refundsAfter["data"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func historicalOrdersWithPointsScoreAsTheAPIWould() async throws {
        let imported = try await makeTenant()
        let posted = try await makeTenant()
        try await withAPI { api async throws in
            // Both shops on the default program.
            let done = try await Self.importFile(
                api,
                shop: imported,
                query: "kind=orders&points=program",
                Self.ordersCSV
            )
            #expect(Self.progress(done) == (6, 0, 0))
            // What the same history gives through the API: orders, then refunds.
            let orders: [(String, String, Int64, String)] = [
                ("A-1", "c-1", 10000, "paid"), ("A-2", "c-1", 5000, "paid"), ("A-3", "c-2", 20000, "paid"),
                ("A-4", "c-2", 7000, "placed"),
            ]
            for (id, member, amount, status) in orders {
                let response = try await api.send(
                    .post,
                    "/v1/orders",
                    key: posted.key,
                    json: orderJSON(id, member: member, amount: amount, status: status)
                )
                #expect(response.status == .created, "\(response.text)")
            }
            for (order, refund, amount) in [
                ("A-2", "R-1", 5000), ("A-3", "R-1", 3000), ("A-3", "R-2", 2000), ("A-1", "R-9", 1000),
            ] {
                let response = try await api.send(
                    .post,
                    "/v1/orders/\(order)/refunds",
                    key: posted.key,
                    json: #"{"external_id":"\#(refund)","amount":\#(amount)}"#
                )
                #expect(response.status.code < 300, "\(response.text)")
            }
            for shop in [imported, posted] {
                for (id, _, _, _) in orders { try await settle(shop.tenant, order: id) }
            }
            for member in ["c-1", "c-2"] {
                let a = try await api.balance(member, key: imported.key)
                let b = try await api.balance(member, key: posted.key)
                #expect(a["available"] as? Int == b["available"] as? Int, "\(member): \(a) vs \(b)")
                #expect(a["pending"] as? Int == b["pending"] as? Int, "\(member): \(a) vs \(b)")
            }
            #expect(
                (try await api.balance("c-2", key: imported.key)["available"] as? Int ?? 0)
                    + (try await api.balance("c-2", key: imported.key)["pending"] as? Int ?? 0) == 150
            )
            try await expectAuditClean(imported.tenant)
            try await expectAuditClean(posted.tenant)
        }
    }

    @Test func openingBalancesBecomeLotsAndLedgerEntries() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let csv = """
                id,member,points,earned_at,expires_at,description
                ob-1,b-1,300,2024-01-10T00:00:00Z,2099-01-10T00:00:00Z,Migrated from the old system
                ob-2,b-1,200,2024-02-10T00:00:00Z,,
                ob-3,b-2,50,2024-02-11T00:00:00Z,,
                ob-3,b-2,50,2024-02-11T00:00:00Z,,

                """
            let done = try await Self.importFile(api, shop: shop, query: "kind=balances", csv)
            #expect(Self.progress(done) == (3, 1, 0), "\(done)")
            #expect(try await api.balance("b-1", key: shop.key)["available"] as? Int == 500)
            #expect(try await api.balance("b-2", key: shop.key)["available"] as? Int == 50)
            let lots = try await api.send(.get, "/v1/members/b-1/lots", key: shop.key).json()
            #expect((lots["data"] as? [[String: Any]])?.count == 2, "\(lots)")
            let ledger = try await api.send(.get, "/v1/members/b-1/ledger", key: shop.key).json()
            let sources = (ledger["data"] as? [[String: Any]])?.compactMap { $0["source"] as? String }
            #expect(sources == ["import", "import"], "\(ledger)")
            try await expectAuditClean(shop.tenant)
            let again = try await Self.importFile(api, shop: shop, query: "kind=balances", csv)
            #expect(Self.progress(again) == (0, 4, 0))
            #expect(try await api.balance("b-1", key: shop.key)["available"] as? Int == 500)
            try await expectAuditClean(shop.tenant)
        }
    }

    @Test func brokenRowsAreReportedAndTheGoodOnesImported() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            var file = Array(
                """
                external_id,member,currency,amount,status,placed_at,paid_at,refund_id,refund_amount,refund_at
                G-1,g-1,CNY,1000,paid,2024-03-01T09:30:00Z,2024-03-01T09:31:00Z,,,
                B-1,g-1,CNY,1000,paid,2024-13-01T09:30:00Z,2024-03-01T09:31:00Z,,,
                B-2,g-1,CNY,-5,paid,2024-03-01T09:30:00Z,2024-03-01T09:31:00Z,,,
                B-3,nobody,,,,,,R-1,100,2024-03-02T00:00:00Z
                G-2,g-2,CNY,2000,paid,2024-03-02T09:30:00Z,2024-03-02T09:31:00Z,,,

                """.utf8
            )
            // Row 6: invalid UTF-8 in a name-like field (the member id).
            file +=
                Array("B-4,".utf8) + [0xC3, 0x28]
                + Array(",CNY,100,paid,2024-03-01T09:30:00Z,2024-03-01T09:31:00Z,,,\n".utf8)
            // Row 7: a 10 MB line.
            file +=
                Array("B-5,g-1,CNY,100,paid,2024-03-01T09:30:00Z,".utf8) + [UInt8](repeating: 0x78, count: 10 << 20)
                + Array(",,,\n".utf8)
            file += Array("G-3,g-3,CNY,3000,paid,2024-03-03T09:30:00Z,2024-03-03T09:31:00Z,,,\n".utf8)
            // Row 9: an unknown order's refund for a known member.
            file += Array("B-6,g-1,,,,,,R-1,100,2024-03-02T00:00:00Z\n".utf8)
            let done = try await Self.importBytes(api, shop: shop, query: "kind=orders", file)
            #expect(done["state"] as? String == "completed", "\(done)")
            #expect(Self.progress(done) == (3, 0, 6), "\(done)")
            let id = try #require(done["id"] as? String)
            let errors = try await Self.errors(api, key: shop.key, id: id)
            #expect(errors.map { $0[0] } == ["2", "3", "4", "6", "7", "9"], "\(errors)")
            #expect(
                errors.map { $0[1] } == ["placed_at", "amount", "member", "member", "row", "external_id"],
                "\(errors)"
            )
            for order in ["G-1", "G-2", "G-3"] {
                #expect(try await api.send(.get, "/v1/orders/\(order)", key: shop.key).status == .ok, "\(order)")
            }
            #expect(try await api.send(.get, "/v1/orders/B-2", key: shop.key).status == .notFound)
        }
    }

    @Test func uploadsAreCheckedByTheirOperation() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            // Larger than the API's 1 MiB JSON limit: this operation streams it.
            let rows = (0..<60_000).map { "big-\($0),,Name \($0),," }.joined(separator: "\n")
            let big = "external_id,email,name,tags,created_at\n" + rows
            #expect(big.utf8.count > 1 << 20)
            let created = try await Self.upload(api, key: shop.key, query: "kind=members", body: Array(big.utf8))
            #expect(created.status == .accepted, "\(created.text)")
            #expect(try created.json()["size"] as? Int == big.utf8.count)
            let json = try await Self.upload(
                api,
                key: shop.key,
                query: "kind=members",
                body: Array("{}".utf8),
                contentType: "application/json"
            )
            #expect(json.status == .unsupportedMediaType)
            let noKind = try await Self.upload(api, key: shop.key, query: "format=csv", body: Array("a\n".utf8))
            #expect(noKind.status == .badRequest)
            let pointsOnMembers = try await Self.upload(
                api,
                key: shop.key,
                query: "kind=members&points=program",
                body: Array("external_id\nx\n".utf8)
            )
            #expect(pointsOnMembers.status == .badRequest)
            // A header without a needed column fails the import as a whole.
            let noHeader = try await Self.importFile(api, shop: shop, query: "kind=orders", "id,name\n1,2\n")
            #expect(noHeader["state"] as? String == "failed")
            #expect((noHeader["failure"] as? String)?.contains("external_id") == true, "\(noHeader)")
            // With an Idempotency-Key, a retried upload answers the import the first one created.
            var headers: HTTPFields = [:]
            headers[.authorization] = "Bearer \(shop.key)"
            headers[.contentType] = "text/csv"
            headers[.idempotencyKey] = "upload-\(UUID())"
            var ids: [String] = []
            for attempt in 0..<2 {
                let response = try await api.client.execute(
                    uri: "/v1/imports?kind=members",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: "external_id\nidem-1\n")
                )
                #expect(response.status == .accepted, "\(response.text)")
                #expect((response.headers[.idempotentReplayed] == "true") == (attempt == 1))
                ids.append(try #require(try response.json()["id"] as? String))
            }
            #expect(ids[0] == ids[1])
            // Other routes keep the 1 MiB limit.
            let tooBig = try await api.send(
                .put,
                "/v1/members/x",
                key: shop.key,
                json: "{\"name\":\"\(String(repeating: "x", count: 2 << 20))\"}"
            )
            #expect(tooBig.status == .contentTooLarge)
        }
    }

    @Test func cancellingStopsAfterTheBatchInProgress() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            let csv = "external_id\n" + (0..<10).map { "k-\($0)" }.joined(separator: "\n") + "\n"
            let created = try await Self.upload(api, key: shop.key, query: "kind=members", body: Array(csv.utf8))
            let id = try #require(try created.json()["id"] as? String)
            let uuid = try #require(UUID(uuidString: id))
            let servers = try await TestServers.shared.ready()
            // One batch of 4 rows committed, then the cancel.
            let first = try await servers.database.withTenant(shop.tenant) {
                try await $0.processImportBatch(uuid, maxRows: 4, now: Date())
            }
            #expect(first == .more)
            let cancelled = try await api.send(.post, "/v1/imports/\(id)/cancel", key: shop.key)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json()["cancel_requested"] as? Bool == true)
            try await Self.process(id, tenant: shop.tenant, batchRows: 4)
            let done = try await api.send(.get, "/v1/imports/\(id)", key: shop.key).json()
            #expect(done["state"] as? String == "cancelled")
            #expect(Self.progress(done) == (4, 0, 0))
            #expect(try await api.send(.get, "/v1/members/k-3", key: shop.key).status == .ok)
            #expect(try await api.send(.get, "/v1/members/k-4", key: shop.key).status == .notFound)
            // The audit log: who started and cancelled it, and how it ended (the worker: system).
            let audit = try await api.send(.get, "/v1/audit-log?target_kind=import&target_id=\(id)", key: shop.key)
            let entries = try #require(try audit.json()["data"] as? [[String: Any]])
            #expect(
                entries.compactMap { $0["action"] as? String } == [
                    "import.finished", "import.cancelled", "import.created",
                ]
            )
            #expect((entries[0]["actor"] as? [String: Any])?["kind"] as? String == "system")
            #expect((entries[0]["after"] as? [String: Any])?["state"] as? String == "cancelled")
            #expect((entries[2]["actor"] as? [String: Any])?["kind"] as? String == "api_key")

            // A queued import is cancelled at once.
            let queued = try await Self.upload(api, key: shop.key, query: "kind=members", body: Array(csv.utf8))
            let queuedID = try #require(try queued.json()["id"] as? String)
            let stopped = try await api.send(.post, "/v1/imports/\(queuedID)/cancel", key: shop.key).json()
            #expect(stopped["state"] as? String == "cancelled")
        }
    }

    @Test func importsAndExportsAreTheirTenantsOnly() async throws {
        let shop = try await makeTenant()
        let other = try await makeTenant()
        try await withAPI { api async throws in
            let created = try await Self.upload(
                api,
                key: shop.key,
                query: "kind=members",
                body: Array("external_id\nx\n".utf8)
            )
            let id = try #require(try created.json()["id"] as? String)
            let export = try await api.send(
                .post,
                "/v1/exports",
                key: shop.key,
                json: #"{"kind":"members","format":"csv"}"#
            )
            #expect(export.status == .accepted, "\(export.text)")
            let exportID = try #require(try export.json()["id"] as? String)
            for (method, path) in [
                (HTTPRequest.Method.get, "/v1/imports/\(id)"), (.get, "/v1/imports/\(id)/errors"),
                (.post, "/v1/imports/\(id)/cancel"), (.get, "/v1/exports/\(exportID)"),
                (.get, "/v1/exports/\(exportID)/file"), (.get, "/v1/imports/\(UUID())"),
                (.get, "/v1/imports/not-a-uuid"),
            ] {
                let response = try await api.send(method, path, key: other.key)
                #expect(response.status == .notFound, "\(method) \(path)")
            }
        }
    }
}
