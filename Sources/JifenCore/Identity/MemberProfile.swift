/// A member's profile as the shop sends it on `PUT /v1/members/{member}`: the whole profile,
/// so what is left out is cleared.
public struct MemberProfile: Sendable, Hashable {
    public static let maxTags = 50

    public var email: String?
    public var phone: String?
    public var name: String?
    public var tags: [String]

    public init(email: String? = nil, phone: String? = nil, name: String? = nil, tags: [String] = []) {
        self.email = email
        self.phone = phone
        self.name = name
        self.tags = tags
    }

    /// Validates lengths and tags; duplicate tags collapse, order kept.
    public static func validate(email: String?, phone: String?, name: String?, tags: [String]?) throws(JifenError)
        -> MemberProfile
    {
        var validator = Validator()
        if let email, email.count > 320 || (!email.isEmpty && !email.contains("@")) {
            validator.fail("email", "must be an email address of at most 320 characters")
        }
        if let phone, phone.count > 32 { validator.fail("phone", "must be at most 32 characters") }
        if let name, name.count > 200 { validator.fail("name", "must be at most 200 characters") }
        var unique: [String] = []
        for (index, tag) in (tags ?? []).enumerated() {
            if tag.isEmpty || tag.count > 64 { validator.fail("tags[\(index)]", "must be 1–64 characters") }
            if !unique.contains(tag) { unique.append(tag) }
        }
        if unique.count > maxTags { validator.fail("tags", "must have at most \(maxTags) tags") }
        try validator.finish()
        return MemberProfile(
            email: email.flatMap { $0.isEmpty ? nil : $0 },
            phone: phone.flatMap { $0.isEmpty ? nil : $0 },
            name: name.flatMap { $0.isEmpty ? nil : $0 },
            tags: unique
        )
    }
}
