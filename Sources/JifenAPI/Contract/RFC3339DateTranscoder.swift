import Foundation
import OpenAPIRuntime

/// Dates in request and response bodies exactly as OpenAPI runtime's default
/// `ISO8601DateTranscoder` writes and reads them (`2026-11-30T08:15:00Z`; an offset accepted on
/// input, fractional and leap seconds refused), with FoundationEssentials' Swift parser instead
/// of Foundation's ICU formatter behind a lock: about 60 times faster, and the formatter was
/// about 5 % of the API's CPU for a `POST /v1/orders` (perf, issue 16).
struct RFC3339DateTranscoder: DateTranscoder {
    private static let style = Date.ISO8601FormatStyle()

    func encode(_ date: Date) throws -> String { Self.style.format(date) }

    func decode(_ text: String) throws -> Date {
        // What the formatter refused and the style would take: `…:00.5Z` and `…:60Z`.
        let utf8 = Array(text.utf8.prefix(20))
        guard !text.utf8.contains(UInt8(ascii: ".")),
            !(utf8.count >= 19 && utf8[17] == UInt8(ascii: "6") && utf8[18] == UInt8(ascii: "0"))
        else { throw Self.invalid }
        do { return try Self.style.parse(text) } catch { throw Self.invalid }
    }

    private static let invalid = DecodingError.dataCorrupted(
        .init(codingPath: [], debugDescription: "Expected date string to be ISO8601-formatted.")
    )
}
