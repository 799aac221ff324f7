/// The administrative changes the audit log records (docs/security.md, Audit log). The part
/// before the dot names the kind of thing changed (the entry's target).
public enum AuditAction: String, Sendable, Hashable, CaseIterable, Codable {
    case tenantCreated = "tenant.created"
    case tenantRateLimitChanged = "tenant.rate_limit_changed"
    case apiKeyCreated = "api_key.created"
    case apiKeyRevoked = "api_key.revoked"
    case programUpdated = "program.updated"
    case integrationSecretSet = "integration.secret_set"
    case webhookEndpointCreated = "webhook_endpoint.created"
    case webhookEndpointUpdated = "webhook_endpoint.updated"
    case webhookEndpointDeleted = "webhook_endpoint.deleted"
    case webhookEndpointSecretRotated = "webhook_endpoint.secret_rotated"
    case webhookDeliveryReplayed = "webhook_delivery.replayed"
    case pointsAdjusted = "points.adjusted"
    case memberErased = "member.erased"
    /// Not a change, but a disclosure of a person's data, which a regulator may ask about.
    case memberPersonalDataExported = "member.personal_data_exported"
    case rewardCreated = "reward.created"
    case rewardUpdated = "reward.updated"
    case couponTemplateCreated = "coupon_template.created"
    case couponTemplateUpdated = "coupon_template.updated"
    case campaignCreated = "campaign.created"
    case journeyCreated = "journey.created"
    case journeyStopped = "journey.stopped"
    case importCreated = "import.created"
    case importCancelled = "import.cancelled"
    /// Recorded by the worker (actor `system`) when the last batch ends: completed, cancelled or failed.
    case importFinished = "import.finished"
    case exportCreated = "export.created"
    /// Console staff: invited (by the operator or an owner), joined (accepted the invitation),
    /// role changed, disabled, sessions revoked.
    case staffInvited = "staff.invited"
    case staffJoined = "staff.joined"
    case staffRoleChanged = "staff.role_changed"
    case staffDisabled = "staff.disabled"
    case staffSessionsRevoked = "staff.sessions_revoked"

    /// The kind of thing the action changes: `program`, `api_key`, `member`, …
    public var targetKind: String {
        switch self {
        case .pointsAdjusted, .memberErased, .memberPersonalDataExported: "member"
        default: String(rawValue.prefix { $0 != "." })
        }
    }
}
