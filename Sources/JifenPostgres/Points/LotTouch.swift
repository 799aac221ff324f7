import Foundation

/// Points taken from (or given back to) one lot by a ledger entry. Entries list the lots they
/// touched, so a released hold returns its points to exactly the lots it came from.
public struct LotTouch: Sendable, Hashable, Codable {
    public var lotID: UUID
    public var points: Int64

    public init(lotID: UUID, points: Int64) {
        self.lotID = lotID
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case lotID = "lot_id"
        case points
    }

    static func json(_ touches: [LotTouch]) throws -> String {
        String(decoding: try JSONEncoder().encode(touches), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> [LotTouch] {
        try JSONDecoder().decode([LotTouch].self, from: Data(json.utf8))
    }
}

extension [LotTouch] {
    var total: Int64 { reduce(0) { $0 + $1.points } }
}
