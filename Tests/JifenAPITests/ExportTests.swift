import Foundation
import HummingbirdTesting
import JifenCore
import JifenPostgres
import JifenTestSupport
import JifenWorker
import Testing

@testable import JifenAPI

/// Exports of each kind in both formats, written by the worker's handler in small batches and
/// read back against the data.
@Suite struct ExportTests {
    static func export(
        _ api: APIClient,
        shop: (tenant: TenantID, key: String),
        _ json: String
    ) async throws -> (record: [String: Any], file: TestResponse) {
        let created = try await api.send(.post, "/v1/exports", key: shop.key, json: json)
        #expect(created.status == .accepted, "\(created.text)")
        _ = try created.decoded(Components.Schemas.Export.self)
        let id = try #require(try created.json()["id"] as? String)
        let early = try await api.send(.get, "/v1/exports/\(id)/file", key: shop.key)
        #expect(early.status == .conflict, "\(early.text)")
        let servers = try await TestServers.shared.ready()
        let handler = ExportHandler(
            database: servers.database,
            logger: servers.logger,
            batchRows: 2,
            runBudget: .seconds(3600)
        )
        for _ in 0..<1000 {
            try await handler.handle(
                Job(id: "test:\(UUID())", kind: .writeExport, tenant: shop.tenant, payload: #"{"export_id":"\#(id)"}"#)
            )
            let record = try await api.send(.get, "/v1/exports/\(id)", key: shop.key).json()
            if record["state"] as? String == "completed" {
                return (record, try await api.send(.get, "/v1/exports/\(id)/file", key: shop.key))
            }
        }
        Issue.record("export \(id) did not finish")
        throw CancellationError()
    }

    @Test func everyKindInBothFormatsRoundTrips() async throws {
        let shop = try await makeTenant()
        try await withAPI { api async throws in
            for index in 0..<5 {
                try await api.send(
                    .put,
                    "/v1/members/e-\(index)",
                    key: shop.key,
                    json: #"{"name":"Name, \#(index)","tags":["a","b"]}"#
                )
                try await api.paidOrder(
                    "EO-\(index)",
                    member: "e-\(index)",
                    amount: 1000,
                    tenant: shop.tenant,
                    key: shop.key
                )
            }
            // Members, CSV: a header and one line per member; quoted names survive.
            let (members, membersFile) = try await Self.export(api, shop: shop, #"{"kind":"members","format":"csv"}"#)
            #expect(members["rows"] as? Int == 5)
            #expect(membersFile.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = membersFile.text.split(separator: "\r\n")
            #expect(lines.first == "external_id,email,phone,name,tags,tier,order_count,total_spend,created_at")
            #expect(lines.count == 6)
            #expect(lines.contains { $0.hasPrefix("e-3,,,\"Name, 3\",a|b,") })
            // The exported members import into another shop as they are.
            let copy = try await makeTenant()
            let imported = try await ImportTests.importFile(api, shop: copy, query: "kind=members", membersFile.text)
            #expect(ImportTests.progress(imported) == (5, 0, 0))
            #expect(try await api.send(.get, "/v1/members/e-3", key: copy.key).json()["name"] as? String == "Name, 3")

            // Orders, NDJSON: one object a line.
            let (_, ordersFile) = try await Self.export(api, shop: shop, #"{"kind":"orders","format":"ndjson"}"#)
            #expect(ordersFile.headers[.contentType] == "application/x-ndjson")
            let orders = try ordersFile.text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(orders.count == 5)
            #expect(Set(orders.compactMap { $0["external_id"] as? String }) == Set((0..<5).map { "EO-\($0)" }))
            #expect(orders.allSatisfy { $0["amount"] as? Int == 1000 && $0["status"] as? String == "paid" })

            // The ledger and lots, both formats: an earn entry and a lot per order.
            for format in ["csv", "ndjson"] {
                let (ledger, _) = try await Self.export(api, shop: shop, #"{"kind":"ledger","format":"\#(format)"}"#)
                #expect(ledger["rows"] as? Int == 5, "\(format)")
                let (lots, file) = try await Self.export(api, shop: shop, #"{"kind":"lots","format":"\#(format)"}"#)
                #expect(lots["rows"] as? Int == 5, "\(format)")
                #expect(file.text.contains("\(10)"), "\(format)")
            }
            // A date range that holds nothing.
            let (empty, emptyFile) = try await Self.export(
                api,
                shop: shop,
                #"{"kind":"orders","format":"csv","from":"2001-01-01T00:00:00Z","to":"2001-02-01T00:00:00Z"}"#
            )
            #expect(empty["rows"] as? Int == 0)
            #expect(emptyFile.text.split(separator: "\r\n").count == 1)
            let bad = try await api.send(
                .post,
                "/v1/exports",
                key: shop.key,
                json: #"{"kind":"coupons","format":"csv"}"#
            )
            #expect(bad.status == .unprocessableContent)
        }
    }
}

/// Files expire: the due-work function names a tenant only once one of its files is due, and
/// the sweep deletes it (its chunks with it); the export's file then answers 404.
@Suite struct FileExpiryTests {
    @Test func expiredFilesAreSweptAndOnlyDueTenantsAreNamed() async throws {
        let shop = try await makeTenant()
        let servers = try await TestServers.shared.ready()
        try await withAPI { api async throws in
            let (record, file) = try await ExportTests.export(api, shop: shop, #"{"kind":"members","format":"ndjson"}"#)
            #expect(file.status == .ok)
            let id = try #require(record["id"] as? String)
            let due: @Sendable (Date) async throws -> Bool = { now in
                try await servers.database.withSystem { connection in
                    let rows = try await connection.query(
                        "SELECT t FROM jifen_due_tenants('files.expire', \(now), NULL, NULL) AS t",
                        logger: servers.logger
                    )
                    var found = false
                    for try await tenant in rows.decode(UUID.self) where tenant == shop.tenant.rawValue { found = true }
                    return found
                }
            }
            #expect(try await due(Date()) == false)
            let later = Date().addingTimeInterval(FileRetention.interval + 60)
            #expect(try await due(later))
            try await runJob(.expireFiles, tenant: shop.tenant, now: later)
            #expect(try await due(later) == false)
            let gone = try await api.send(.get, "/v1/exports/\(id)/file", key: shop.key)
            #expect(gone.status == .notFound, "\(gone.text)")
        }
    }
}
