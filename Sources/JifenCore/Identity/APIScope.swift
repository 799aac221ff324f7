/// What an API key may do. Each tenant operation of the spec names the one scope it needs in
/// its `security` requirement (`tenantKey: [write]`); a key holds a set of them
/// (docs/security.md, Key scopes).
public enum APIScope: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Reading the tenant's data: members, orders, points, reports.
    case read
    /// Changing it: members, orders, points, rewards, coupons, wallets, campaigns, journeys.
    case write
    /// Webhook endpoints, their deliveries and the inbound integrations' secrets.
    case webhooks
    /// Bulk imports and exports.
    case imports
    /// The program, the tenant's own API keys, the audit log and erasure.
    case admin

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The scopes a request asked a new key to have: at least one, each known, duplicates
    /// collapsed; `nil` (not given) is every scope, as keys had before scopes existed.
    public static func validate(_ names: [String]?, field: String = "scopes") throws(JifenError) -> [APIScope] {
        guard let names else { return allCases }
        var scopes: Set<APIScope> = []
        var errors: [FieldError] = []
        for (index, name) in names.enumerated() {
            if let scope = APIScope(rawValue: name) {
                scopes.insert(scope)
            } else {
                errors.append(
                    FieldError(
                        field: "\(field)[\(index)]",
                        message: "must be one of \(allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                )
            }
        }
        if names.isEmpty { errors.append(FieldError(field: field, message: "must name at least one scope")) }
        if !errors.isEmpty { throw JifenError.validation(errors) }
        return scopes.sorted()
    }
}
