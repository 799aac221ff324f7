import Foundation

/// What an erasure left behind, as `DELETE /v1/members/{member}` answers it (and again, the
/// same, when the shop erases the same member twice).
public struct Erasure: Sendable, Hashable {
    /// The token that replaced the member's external id: `erased:` and 32 random hex digits. It
    /// is derived from nothing, so nothing leads back from it to the person.
    public var token: String
    public var erasedAt: Date
    /// Whether the shop may give the old external id to a new, unrelated member.
    public var allowReuse: Bool

    public init(token: String, erasedAt: Date, allowReuse: Bool) {
        (self.token, self.erasedAt, self.allowReuse) = (token, erasedAt, allowReuse)
    }

    /// A fresh token. A valid ``ExternalID`` on purpose: events and sweeps that still run for
    /// the erased member's points (expiry, tiers) name it by this token like any member.
    public static func newToken() -> String {
        let hex = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        return tokenPrefix + hex
    }

    public static let tokenPrefix = "erased:"
}

/// How the personal values fraud checks compare are normalised before they are hashed, so a
/// hash matches whatever spelling the shop sent: an email in any case, a phone with any
/// punctuation (`+86 138-0013-8000` is `8613800138000`).
public enum PersonalValue {
    /// Lowercased and trimmed; nil for an absent or empty email.
    public static func email(_ email: String?) -> String? {
        guard let trimmed = email?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed.lowercased()
    }

    /// Its ASCII digits only; nil when it has none.
    public static func phone(_ phone: String?) -> String? {
        let digits = String((phone ?? "").unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
        return digits.isEmpty ? nil : digits
    }
}
