import Crypto
import Foundation
import JifenCore

/// A signing secret in the Standard Webhooks form: `whsec_` and the base64 of random bytes.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "whsec_"

    /// The whole `whsec_…` text, as shown to the shop once.
    public let text: String
    /// The key bytes the HMAC uses.
    let bytes: Data

    public var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// Parses `whsec_<base64>`; a secret without the prefix is taken as base64 as well.
    public init?(_ text: String) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Data(base64Encoded: encoded), bytes.count >= 16, bytes.count <= 64 else { return nil }
        self.text = text
        self.bytes = bytes
    }

    private init(bytes: Data) {
        self.text = Self.prefix + bytes.base64EncodedString()
        self.bytes = bytes
    }

    /// A new random secret (24 bytes, as the Standard Webhooks libraries make).
    public static func generate() -> WebhookSecret {
        WebhookSecret(bytes: SymmetricKey(size: .init(bitCount: 192)).withUnsafeBytes { Data($0) })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Never the secret itself: logs and debug output only ever show its start.
    public var description: String { "\(text.prefix(10))…" }
}
