import Foundation
import Testing

@testable import JifenCore

@Suite struct PageCursorTests {
    @Test func roundTrips() throws {
        let cursor = PageCursor(createdAtMicros: 1_764_480_000_123_456, id: UUID())
        let encoded = cursor.encoded
        #expect(!encoded.contains("="))
        #expect(!encoded.contains("/"))
        #expect(try PageCursor(encoded: encoded) == cursor)
    }

    @Test(arguments: ["", "garbage!", "djE6eDp5", String(repeating: "a", count: 300)])
    func refusesForeignCursors(text: String) {
        do {
            _ = try PageCursor(encoded: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .badRequest)
        }
    }

    @Test func limitDefaultsAndBounds() throws {
        #expect(try PageLimit(nil).value == 50)
        #expect(try PageLimit(200).value == 200)
        #expect(throws: JifenError.self) { try PageLimit(0) }
        #expect(throws: JifenError.self) { try PageLimit(201) }
    }
}
