import Foundation
import JifenCore
import Testing

/// The pure parts of imports: where records end, CSV fields, dates, and row validation.
@Suite struct ImportParsingTests {
    func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @Test func csvRecordsEndAtLineBreaksOutsideQuotes() {
        var scanner = RecordScanner(format: .csv)
        let text = "a,\"line one\nline two\",c\nnext\n"
        let end = withBytes(text) { scanner.end(in: $0, from: 0) }
        #expect(end == text.utf8.count - 6)
        // Across chunks: the state carries over.
        var split = RecordScanner(format: .csv)
        #expect(withBytes("a,\"open\n") { split.end(in: $0, from: 0) } == nil)
        #expect(withBytes("still\",x\nz") { split.end(in: $0, from: 0) } == 8)
        var ndjson = RecordScanner(format: .ndjson)
        #expect(withBytes(#"{"a":"\"x\""}"# + "\n") { ndjson.end(in: $0, from: 0) } == 13)
    }

    @Test func csvFieldsFollowRFC4180() throws {
        let fields = try withBytes(#"plain,"with, comma","with ""quotes""",,"multi"# + "\nline\"") {
            try CSVRecord.fields($0)
        }
        #expect(
            fields.map { String(decoding: $0, as: UTF8.self) } == [
                "plain", "with, comma", #"with "quotes""#, "", "multi\nline",
            ]
        )
        #expect(throws: CSVRecord.Failure.unterminatedQuote) { try withBytes(#"a,"open"#) { try CSVRecord.fields($0) } }
        #expect(throws: CSVRecord.Failure.textAfterQuote) { try withBytes(#""a"b,c"#) { try CSVRecord.fields($0) } }
    }

    @Test func datesAreStrictRFC3339() {
        #expect(RFC3339.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.seconds("2024-03-01T09:30:00+08:00") == RFC3339.seconds("2024-03-01T01:30:00Z"))
        #expect(RFC3339.seconds("2024-02-29 12:00:00.5Z") == RFC3339.seconds("2024-02-29T12:00:00Z").map { $0 + 0.5 })
        for bad in [
            "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-03-01T09:30:00", "2024-03-01", "yesterday",
            "2024-03-01T24:00:00Z", "2024-03-01T09:30:00+0800",
        ] {
            #expect(RFC3339.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func orderRowsAreValidated() throws {
        func row(_ values: [String: String]) throws(ImportRowError) -> OrderImportRow {
            try OrderImportRow(ImportFields(values: values))
        }
        let base = [
            "external_id": "A-1", "member": "c-1", "currency": "CNY", "amount": "1000", "status": "paid",
            "placed_at": "2024-03-01T09:30:00Z", "paid_at": "2024-03-01T09:31:00Z",
        ]
        let order = try row(base)
        #expect(order.order?.amount == 1000 && order.refund == nil)
        #expect(order.earliest == RFC3339.seconds("2024-03-01T09:30:00Z"))
        let cases: [([String: String], String)] = [
            (base.merging(["amount": "-5"]) { $1 }, "amount"),
            (base.merging(["amount": "1.5"]) { $1 }, "amount"),
            (base.merging(["currency": "XXY"]) { $1 }, "currency"),
            (base.merging(["status": "shipped"]) { $1 }, "status"),
            (base.merging(["paid_at": ""]) { $1 }, "paid_at"),
            (base.merging(["placed_at": "2024-02-30T00:00:00Z"]) { $1 }, "placed_at"),
            (base.merging(["paid_at": "2024-02-01T00:00:00Z"]) { $1 }, "paid_at"),
            (
                base.merging(["refund_id": "R-1", "refund_amount": "2000", "refund_at": "2024-03-02T00:00:00Z"]) { $1 },
                "refund_amount"
            ),
            (base.merging(["refund_id": "R-1", "refund_amount": "10"]) { $1 }, "refund_at"),
            (base.merging(["member": "has space"]) { $1 }, "member"),
            (["external_id": "A-1", "member": "c-1"], "amount"),
        ]
        for (values, field) in cases {
            #expect(throws: ImportRowError.self, "\(values)") { try row(values) }
            do { _ = try row(values) } catch { #expect(error.field == field, "\(values): \(error)") }
        }
        // A refund-only row.
        let refund = try row([
            "external_id": "A-1", "member": "c-1", "refund_id": "R-2", "refund_amount": "100",
            "refund_at": "2024-03-05T00:00:00Z",
        ])
        #expect(refund.order == nil && refund.refund?.amount == 100)
    }

    @Test func ndjsonRowsAreDecoded() throws {
        let decoder = ImportRecordDecoder(format: .ndjson)
        let fields = try withBytes(#"{"external_id":"m-1","tags":["a","b"],"points":12,"note":null}"#) {
            try decoder.fields($0)
        }
        #expect(fields.text("external_id") == "m-1" && fields.list("tags") == ["a", "b"])
        #expect(try fields.integer("points") == 12 && fields.text("note") == nil)
        #expect(throws: ImportRowError.self) { try withBytes("[1,2]") { try decoder.fields($0) } }
        #expect(throws: ImportRowError.self) { try withBytes(#"{"a":"\u0000"}"#) { try decoder.fields($0) } }
        let csv = ImportRecordDecoder(format: .csv, header: ["external_id", "name"])
        #expect(throws: ImportRowError.self) { try withBytes("a,b,c") { try csv.fields($0) } }
        #expect(throws: ImportRowError.self) {
            try [UInt8]([0x61, 0x2C, 0xC3, 0x28]).withUnsafeBufferPointer { try csv.fields($0) }
        }
        let header = try withBytes("\u{FEFF}External_ID, Name\r") { try ImportRecordDecoder.header($0, kind: .members) }
        #expect(header == ["external_id", "name"])
        #expect(throws: ImportRowError.self) {
            try withBytes("id,name") { try ImportRecordDecoder.header($0, kind: .orders) }
        }
    }
}
