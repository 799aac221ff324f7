import Foundation
import JifenCore

/// A member as stored.
public struct Member: Sendable, Hashable {
    public var id: UUID
    public var externalID: ExternalID
    public var profile: MemberProfile
    public var balance: Balance
    public var createdAt: Date
    public var updatedAt: Date
    var createdAtMicros: Int64

    public var cursor: PageCursor { PageCursor(createdAtMicros: createdAtMicros, id: id) }
}
