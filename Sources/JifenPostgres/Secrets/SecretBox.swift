import Crypto
import Foundation
import JifenCore

/// Seals the webhook secrets Jifen must be able to read back (it signs and verifies with
/// them, so a hash will not do) under an operator-held master key: AES-256-GCM, so a database
/// dump alone forges nothing.
///
/// ```swift
/// let box = try SecretBox(current: .init(id: "2027-01", base64: key), previous: [])
/// let sealed = try box.seal("whsec_…", context: "webhook_endpoints:\(tenant):\(id)")
/// let secret = try box.open(sealed, context: "webhook_endpoints:\(tenant):\(id)")
/// ```
///
/// A sealed value is self-describing, so old rows open after the key changes:
/// `0x01 | key id length | key id (UTF-8) | nonce (12) | ciphertext | tag (16)`. The version
/// byte, the key id and the caller's `context` are authenticated data: a value moved to another
/// row (another tenant's endpoint) or relabelled with another key id does not open.
public struct SecretBox: Sendable {
    /// A named 256-bit key. The id travels with every value sealed under it.
    public struct Key: Sendable {
        public let id: String
        /// The raw bytes: `SymmetricKey` is not `Sendable` in the swift-crypto we use.
        let bytes: Data
        var key: SymmetricKey { SymmetricKey(data: bytes) }

        /// `base64`: exactly 32 bytes, as `openssl rand -base64 32` prints them. `id`: 1–32
        /// letters, digits, `.`, `_` or `-`; when absent, `k-` and the first 8 hex digits of the
        /// key's SHA-256, so two keys never share an id by accident.
        public init(id: String? = nil, base64: String) throws(JifenError) {
            guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespaces)), bytes.count == 32
            else {
                throw JifenError(.validationFailed, "a secrets key must be the base64 of exactly 32 bytes")
            }
            try self.init(id: id, key: SymmetricKey(data: bytes))
        }

        init(id: String?, key: SymmetricKey) throws(JifenError) {
            let name = id ?? Self.fingerprint(key)
            guard (1...32).contains(name.utf8.count),
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else {
                throw JifenError(
                    .validationFailed,
                    "a secrets key id must be 1–32 letters, digits, '.', '_' or '-', not '\(name)'"
                )
            }
            self.init(checkedID: name, key: key)
        }

        private init(checkedID id: String, key: SymmetricKey) {
            self.id = id
            self.bytes = key.withUnsafeBytes { Data($0) }
        }

        static func fingerprint(_ key: SymmetricKey) -> String {
            let digest = key.withUnsafeBytes { SHA256.hash(data: Data($0)) }
            return "k-" + digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        }

        /// The key `make run` and `make test` use when `SECRETS_KEY` is unset, outside
        /// production. Derived from a published phrase: it protects nothing, it only keeps the
        /// code path the same as production's.
        public static let development = Key(
            checkedID: "dev",
            key: SymmetricKey(
                data: Data(
                    SHA256.hash(data: Data("jifen development secrets key: NOT SECRET, never for production".utf8))
                )
            )
        )

        /// Whether this is the published development key (production refuses it).
        public var isDevelopment: Bool {
            id == Self.development.id || bytes == Self.development.bytes
        }
    }

    /// Seals new values.
    public let current: Key
    /// Open values sealed before a key rotation, until `jifen secrets rotate` re-seals them.
    public let previous: [Key]

    public init(current: Key, previous: [Key] = []) throws(JifenError) {
        var seen: Set<String> = [current.id]
        for key in previous where !seen.insert(key.id).inserted {
            throw JifenError(.validationFailed, "two secrets keys have the id '\(key.id)'")
        }
        self.init(checkedCurrent: current, previous: previous)
    }

    private init(checkedCurrent current: Key, previous: [Key]) {
        self.current = current
        self.previous = previous
    }

    /// A box with only the development key: for tests and local runs.
    public static let development = SecretBox(checkedCurrent: .development, previous: [])

    static let version: UInt8 = 1

    /// Seals `plaintext` under the current key, bound to `context` (which row it belongs to).
    public func seal(_ plaintext: String, context: String) throws(JifenError) -> Data {
        let header = Self.header(keyID: current.id)
        do {
            let box = try AES.GCM.seal(
                Data(plaintext.utf8),
                using: current.key,
                authenticating: header + Data(context.utf8)
            )
            guard let combined = box.combined else {
                throw JifenError(.internalError, "AES-GCM gave no combined form")
            }
            return header + combined
        } catch let error as JifenError {
            throw error
        } catch {
            throw JifenError(.internalError, "cannot seal a secret: \(error)")
        }
    }

    /// Opens a value sealed by ``seal(_:context:)`` under any key this box holds. Fails for a
    /// key it does not hold, another `context`, or a value changed in any byte.
    public func open(_ sealed: Data, context: String) throws(JifenError) -> String {
        guard let keyID = Self.keyID(of: sealed) else {
            throw JifenError(.internalError, "a sealed secret is malformed")
        }
        guard let key = ([current] + previous).first(where: { $0.id == keyID }) else {
            throw JifenError(
                .internalError,
                "a secret is sealed under key '\(keyID)', which is neither SECRETS_KEY nor in SECRETS_PREVIOUS_KEYS"
            )
        }
        let header = Self.header(keyID: keyID)
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst(header.count))
            let plaintext = try AES.GCM.open(box, using: key.key, authenticating: header + Data(context.utf8))
            guard let text = String(data: plaintext, encoding: .utf8) else {
                throw JifenError(.internalError, "a sealed secret is not UTF-8")
            }
            return text
        } catch let error as JifenError {
            throw error
        } catch {
            throw JifenError(
                .internalError,
                "a sealed secret does not open under key '\(keyID)' (wrong key or altered)"
            )
        }
    }

    /// The id of the key `sealed` was sealed under, or nil if it is not a sealed value.
    public static func keyID(of sealed: Data) -> String? {
        let bytes = [UInt8](sealed.prefix(2 + 32))
        guard bytes.count >= 2, bytes[0] == version else { return nil }
        let length = Int(bytes[1])
        guard length >= 1, bytes.count >= 2 + length, sealed.count >= 2 + length + 12 + 16 else { return nil }
        return String(bytes: bytes[2..<(2 + length)], encoding: .utf8)
    }

    /// Whether `sealed` needs re-sealing to be under the current key.
    public func isCurrent(_ sealed: Data) -> Bool {
        Self.keyID(of: sealed) == current.id
    }

    private static func header(keyID: String) -> Data {
        Data([version, UInt8(keyID.utf8.count)]) + Data(keyID.utf8)
    }
}
