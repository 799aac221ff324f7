import Foundation

/// The position after the last row of a page, for keyset pagination "newest first".
///
/// Rows are ordered by `(created_at DESC, id DESC)`; the cursor holds the last row's pair.
/// It is opaque to clients (base64url) so its layout can change behind a version prefix.
public struct PageCursor: Sendable, Hashable {
    /// `created_at` in microseconds since 1970: PostgreSQL's own precision, so no row is
    /// skipped or repeated by rounding.
    public var createdAtMicros: Int64
    public var id: UUID

    public init(createdAtMicros: Int64, id: UUID) {
        self.createdAtMicros = createdAtMicros
        self.id = id
    }

    public var encoded: String {
        let raw = "v1:\(createdAtMicros):\(id.uuidString.lowercased())"
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a client-supplied cursor; anything else is a 400 naming `cursor`.
    public init(encoded: String) throws(JifenError) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard encoded.count <= 200,
            let data = Data(base64Encoded: base64),
            let raw = String(data: data, encoding: .utf8)
        else { throw Self.invalid }
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1",
            let micros = Int64(parts[1]), Self.validMicros.contains(micros),
            let id = UUID(uuidString: String(parts[2]))
        else { throw Self.invalid }
        self.init(createdAtMicros: micros, id: id)
    }

    /// 1970 to the end of 9999: every row this API wrote is inside, and PostgreSQL's timestamp
    /// arithmetic on a tampered value outside it would fail (a 500) instead of a 400.
    static let validMicros: ClosedRange<Int64> = 0...253_402_300_799_999_999

    private static let invalid = JifenError(.badRequest, "cursor: not a cursor returned by this API")
}

/// Page size for list endpoints: 1...200, default 50.
public struct PageLimit: Sendable, Hashable {
    public static let `default` = 50
    public static let maximum = 200
    public let value: Int

    public init(_ requested: Int?) throws(JifenError) {
        let value = requested ?? Self.default
        guard (1...Self.maximum).contains(value) else {
            throw JifenError(.badRequest, "limit: must be between 1 and \(Self.maximum)")
        }
        self.value = value
    }
}

/// One page of a list, newest first.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: PageCursor?

    public init(items: [Item], nextCursor: PageCursor?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
