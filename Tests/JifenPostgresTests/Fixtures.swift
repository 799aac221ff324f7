import Foundation
import JifenCore

enum Fixtures {
    static func order(_ id: String, member: String, amount: Int64 = 10_000, status: OrderStatus = .paid) -> OrderDraft {
        OrderDraft(
            externalID: try! ExternalID(id),
            member: try! ExternalID(member),
            amount: try! Money(minorUnits: amount, currency: Currency("CNY")),
            status: status,
            placedAt: Date(timeIntervalSince1970: 1_800_000_000)
        )
    }
}
