import Foundation

/// A member's personal data was erased (`DELETE /v1/members/{member}`). Its `member` is the
/// token that replaced the external id: the message carries nothing personal, so it may go to
/// every endpoint, and a shop's systems learn which token now stands for the erased account.
public struct MemberErased: MemberStreamEvent, Equatable {
    public static let types = ["member.erased"]
    public var type: String { "member.erased" }

    public var erasedAt: Date
    /// Whether the shop may give the old external id to a new member.
    public var allowReuse: Bool

    public init(erasedAt: Date, allowReuse: Bool) {
        self.erasedAt = erasedAt
        self.allowReuse = allowReuse
    }

    enum CodingKeys: String, CodingKey {
        case erasedAt = "erased_at"
        case allowReuse = "allow_reuse"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(EventTime.text(erasedAt), forKey: .erasedAt)
        try container.encode(allowReuse, forKey: .allowReuse)
    }
}
