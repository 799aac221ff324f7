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
        if let email, !email.isEmpty && !email.contains("@") {
            validator.fail("email", "must be an email address")
        } else {
            validator.text(email, "email", max: 320)
        }
        validator.text(phone, "phone", max: 32)
        validator.text(name, "name", max: 200)
        var unique: [String] = []
        for (index, tag) in (tags ?? []).enumerated() {
            validator.text(tag, "tags[\(index)]", max: 64, required: true)
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
