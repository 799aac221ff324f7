/// Coupon codes: 12 characters from 30 that cannot be confused with each other when read aloud or
/// copied from a receipt (no 0 O 1 I L U), shown as `XXXX-XXXX-XXXX`.
///
/// 30¹² ≈ 2⁵⁸·⁹ codes: guessing one of a shop's issued codes is hopeless at any request rate, yet a
/// member can still type one. Codes are compared in their canonical form, so `abcd efgh jkmn`,
/// `ABCDEFGHJKMN` and `ABCD-EFGH-JKMN` are the same code.
public enum CouponCode {
    /// The characters of a code: digits 2–9 and letters without I, L, O, U (U so that no common
    /// word can be spelt by accident).
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// Characters in a code, dashes not counted.
    public static let length = 12
    static let groupLength = 4
    static let members = Set(alphabet)

    /// A new random code in canonical form. `Int.random(in:using:)` draws without modulo bias, so
    /// every code is equally likely.
    public static func generate<R: RandomNumberGenerator>(using generator: inout R) -> String {
        var characters: [Character] = []
        characters.reserveCapacity(length)
        for _ in 0..<length {
            characters.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return grouped(characters)
    }

    /// A new random code from the system's cryptographically secure generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// The canonical form of what a member typed (upper case, dashes where they belong), or `nil`
    /// if it cannot be a code: after upper-casing and removing dashes and spaces it must be 12
    /// characters of the alphabet.
    public static func normalise(_ text: String) -> String? {
        let characters = Array(key(text))
        guard characters.count == length, characters.allSatisfy(members.contains) else { return nil }
        return grouped(characters)
    }

    /// What two codes are compared by: upper case, without dashes and white space. Unlike
    /// ``normalise(_:)`` it accepts any text, so a code a shop imported in its own format still
    /// matches however the member types it.
    static func key(_ text: String) -> String {
        String(text.uppercased().filter { $0 != "-" && !$0.isWhitespace })
    }

    private static func grouped(_ characters: [Character]) -> String {
        stride(from: 0, to: characters.count, by: groupLength).map { start in
            String(characters[start..<min(start + groupLength, characters.count)])
        }.joined(separator: "-")
    }
}
