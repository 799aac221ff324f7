import Crypto
import Foundation
import JifenCore

/// A tenant API key: `jf_<tenant id, 32 hex>_<32 random base62 characters>`.
///
/// The tenant id inside the key lets authentication run under that tenant's row-level
/// security. The random part carries 190 bits, so storing a plain SHA-256 of the key is safe
/// (no salt or slow hash needed, unlike passwords) and lets the lookup use an index.
///
/// The console's session and invitation tokens are the same shape under schemes of their own
/// (`jfs_`, `jfi_`), so one token can never be presented as another kind.
public struct APIKeySecret: Sendable, Hashable {
    public static let scheme = "jf_"
    public static let sessionScheme = "jfs_"
    public static let invitationScheme = "jfi_"
    static let randomLength = 32
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public let tenant: TenantID
    /// The whole key, as the client sends it.
    public let value: String

    /// Makes a fresh key for `tenant`.
    public static func generate(for tenant: TenantID, scheme: String = scheme) -> APIKeySecret {
        APIKeySecret(tenant: tenant, value: scheme + hex(tenant) + "_" + randomText())
    }

    /// 32 random base62 characters (190 bits): a key's secret part, and the console's CSRF and
    /// one-time form tokens.
    public static func randomText() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<randomLength).map { _ in alphabet.randomElement(using: &generator) ?? "0" })
    }

    /// Parses a presented key; `nil` when it cannot be one of ours (of `scheme`).
    public init?(_ value: String, scheme: String = scheme) {
        guard value.hasPrefix(scheme), value.utf8.count == scheme.utf8.count + 32 + 1 + Self.randomLength else {
            return nil
        }
        let body = value.dropFirst(scheme.count)
        let parts = body.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let tenant = Self.tenant(fromHex: parts[0]) else { return nil }
        self.init(tenant: tenant, value: value)
    }

    private init(tenant: TenantID, value: String) {
        self.tenant = tenant
        self.value = value
    }

    /// What is stored: SHA-256 of the whole key.
    public var hash: Data { Data(SHA256.hash(data: Array(value.utf8))) }

    /// Enough to recognise the key in a list or a log line, never enough to use it.
    public var prefix: String { String(value.prefix(3 + 8)) + "…" + String(value.suffix(4)) }

    private static func hex(_ tenant: TenantID) -> String {
        tenant.rawValue.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    private static func tenant(fromHex hex: Substring) -> TenantID? {
        guard hex.count == 32, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        let chars = Array(hex)
        let dashed = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
        return TenantID(dashed)
    }
}
