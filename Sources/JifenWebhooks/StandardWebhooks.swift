import Crypto
import Foundation
import JifenCore

/// The Standard Webhooks signature scheme (standardwebhooks.com): headers `webhook-id`,
/// `webhook-timestamp` (seconds) and `webhook-signature`, `v1,` + the base64 HMAC-SHA256 of
/// `id.timestamp.body`; several signatures separated by spaces while a secret rotates.
public enum StandardWebhooks {
    /// Signatures older or newer than this are refused on receipt (replays).
    public static let tolerance: TimeInterval = 300

    /// `v1,<base64>` for one secret.
    public static func signature(id: String, timestamp: Int64, body: Data, secret: WebhookSecret) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: secret.key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, space-separated.
    public static func header(id: String, timestamp: Int64, body: Data, secrets: [WebhookSecret]) -> String {
        secrets.map { signature(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    public enum Rejection: String, Error, Sendable {
        case missingHeaders = "missing webhook-id, webhook-timestamp or webhook-signature"
        case badTimestamp = "webhook-timestamp is not a number of seconds"
        case outsideTolerance = "webhook-timestamp is more than 5 minutes away from now"
        case noMatchingSignature = "no signature matches"
    }

    /// Checks a received message against any of `secrets` (the current one, and the previous
    /// one during a rotation). Throws why it is refused.
    public static func verify(
        id: String?,
        timestamp: String?,
        signatures: String?,
        body: Data,
        secrets: [WebhookSecret],
        now: Date = Date()
    ) throws(Rejection) {
        guard let id, let timestamp, let signatures, !id.isEmpty else { throw .missingHeaders }
        guard let seconds = Int64(timestamp) else { throw .badTimestamp }
        guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else { throw .outsideTolerance }
        let presented = signatures.split(separator: " ").compactMap { part -> Data? in
            guard part.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(part.dropFirst(3)))
        }
        for secret in secrets {
            var message = Data("\(id).\(seconds).".utf8)
            message.append(body)
            for candidate in presented
            where HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: message, using: secret.key) {
                return
            }
        }
        throw .noMatchingSignature
    }
}

/// Shopify's webhook signature: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
/// body, keyed with the app's shared secret as UTF-8 text.
public enum ShopifySignature {
    public static func sign(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether `header` is a valid signature of `body` under any of `secrets` (constant time).
    public static func isValid(header: String?, body: Data, secrets: [String]) -> Bool {
        guard let header, let presented = Data(base64Encoded: header.trimmingCharacters(in: .whitespaces)) else {
            return false
        }
        return secrets.contains { secret in
            HMAC<SHA256>.isValidAuthenticationCode(
                presented,
                authenticating: body,
                using: SymmetricKey(data: Data(secret.utf8))
            )
        }
    }
}
