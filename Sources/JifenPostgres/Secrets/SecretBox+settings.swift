import Foundation
import JifenCore

extension SecretBox {
    /// The box the settings describe (`SECRETS_KEY`, `SECRETS_KEY_ID`, `SECRETS_PREVIOUS_KEYS`),
    /// shared by the processes and the test harness so both read the variables one way.
    ///
    /// `previousKeys` is a comma-separated list of `id:base64` (or a bare base64 key, whose id is
    /// its fingerprint; or `dev`, the development key, to move a database made by `make run` to
    /// a real key). Without `key`, development mode seals with the development key; production
    /// refuses to start, since every secret would be sealed under a key anyone can read.
    public static func configured(
        key: String?,
        keyID: String?,
        previousKeys: String?,
        production: Bool
    ) throws(JifenError) -> SecretBox {
        var previous: [Key] = []
        for item in (previousKeys ?? "").split(separator: ",") {
            let entry = item.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            if entry == Key.development.id {
                previous.append(.development)
                continue
            }
            // Base64 has no ':', so the first one ends the id.
            if let colon = entry.firstIndex(of: ":") {
                previous.append(
                    try Key(id: String(entry[..<colon]), base64: String(entry[entry.index(after: colon)...]))
                )
            } else {
                previous.append(try Key(base64: entry))
            }
        }
        let current: Key
        if let key, !key.isEmpty {
            let id = keyID.flatMap { $0.isEmpty ? nil : $0 }
            current = try Key(id: id, base64: key)
            if production && current.isDevelopment {
                throw JifenError(.validationFailed, "SECRETS_KEY must not be the development key in production")
            }
        } else if production {
            throw JifenError(
                .validationFailed,
                "SECRETS_KEY is required when JIFEN_ENV=production: webhook secrets are sealed with it "
                    + "(make one with `openssl rand -base64 32` and keep it in your secret manager)"
            )
        } else {
            current = .development
        }
        return try SecretBox(
            current: current,
            previous: previous.filter { $0.id != current.id || $0.bytes != current.bytes }
        )
    }
}
