import Foundation

/// The rules for what a person types when they join the console or sign in: checked before
/// anything is hashed or stored, so a refusal names the field.
public enum StaffCredentials {
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut.
    public static let passwordBytes = 12...72

    /// An email as stored and compared: trimmed, lower-cased, one `@` with text on both sides,
    /// no spaces or control characters, at most 254 bytes.
    public static func email(_ text: String) throws(JifenError) -> String {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let clean = email.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), clean,
            (3...254).contains(email.utf8.count)
        else {
            throw JifenError.invalid("email", "must be an email address")
        }
        return email
    }

    public static func password(_ text: String, confirmation: String) throws(JifenError) -> String {
        guard passwordBytes.contains(text.utf8.count) else {
            throw JifenError.invalid(
                "password",
                "must be \(passwordBytes.lowerBound) to \(passwordBytes.upperBound) bytes long"
            )
        }
        guard text == confirmation else {
            throw JifenError.invalid("password_confirm", "must repeat the password")
        }
        return text
    }

    public static func name(_ text: String) throws(JifenError) -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw JifenError.invalid("name", "must be 1 to 100 characters")
        }
        return name
    }
}
