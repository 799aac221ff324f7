import Foundation
import OpenAPIRuntime
import Testing

@testable import JifenAPI

/// The API's date transcoder reads and writes exactly what OpenAPI runtime's default one does:
/// it replaced it for speed only.
@Suite struct DateTranscoderTests {
    @Test(arguments: [
        "2026-11-30T08:15:00Z", "2026-11-30T08:15:00+08:00", "2026-11-30T08:15:00-05:30",
        "2026-11-30T08:15:00+0800", "2026-11-30T08:15:00+00:00", "2026-11-30T08:15:00-00:00",
        "2026-11-30T24:00:00Z", "2026-02-30T08:15:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        // refused by both
        "2026-11-30T08:15:00.123Z", "2026-11-30T08:15:00.5+08:00", "2026-11-30T08:15:60Z", "2026-11-30t08:15:00z",
        "2026-11-30T08:15:00", "2026-11-30 08:15:00Z", "", "yesterday", "2026-11-30",
    ])
    func readsWhatTheRuntimesTranscoderReads(_ text: String) throws {
        let expected = try? ISO8601DateTranscoder.iso8601.decode(text)
        let decoded = try? RFC3339DateTranscoder().decode(text)
        #expect(decoded == expected, "\(text)")
    }

    @Test func writesWhatTheRuntimesTranscoderWrites() throws {
        for seconds in [0, 1_800_000_000.25, -62_135_769_600, 253_402_300_799.999] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try RFC3339DateTranscoder().encode(date) == ISO8601DateTranscoder.iso8601.encode(date))
        }
    }
}
