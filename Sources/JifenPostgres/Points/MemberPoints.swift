import Foundation

/// A member's balance row, read under its lock: every change to a member's points (lots,
/// entries, balance) happens while holding it, which is what makes concurrent redemptions,
/// clawbacks and daily caps safe.
struct MemberPoints: Sendable {
    var id: UUID
    var externalID: String
    var available: Int64
    var pending: Int64
    var held: Int64
    var debt: Int64
}
