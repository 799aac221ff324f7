/// What an operator token must be before `jifen serve` accepts it: the token opens every
/// tenant, so a short one or the manifests' placeholder stops the server at start-up instead
/// of quietly working. Empty stays allowed: it disables the `/admin` endpoints.
enum OperatorTokenPolicy {
    static let minimumLength = 32

    /// Why `token` is refused, or `nil` when it is fine.
    static func problem(with token: String) -> String? {
        if token.isEmpty { return nil }
        if token.lowercased().contains("change-me") || token.lowercased().contains("changeme") {
            return "OPERATOR_TOKEN is still the placeholder from the deploy manifests; "
                + "set a random token of at least \(minimumLength) characters (e.g. `openssl rand -hex 32`)"
        }
        if token.count < minimumLength {
            return "OPERATOR_TOKEN must be at least \(minimumLength) characters (it has \(token.count)); "
                + "generate one with `openssl rand -hex 32`"
        }
        if token.contains(where: { $0.isWhitespace || !$0.isASCII }) {
            return "OPERATOR_TOKEN must be printable ASCII without spaces"
        }
        return nil
    }
}
