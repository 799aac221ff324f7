import Foundation
import JifenCore

/// A console user of one tenant.
public struct StaffAccount: Sendable, Hashable {
    public var id: UUID
    public var email: String
    public var name: String
    public var role: StaffRole
    /// Whether the invitation was accepted (a password is set).
    public var joined: Bool
    public var invitedBy: String
    public var createdAt: Date
    public var disabledAt: Date?

    public var isActive: Bool { joined && disabledAt == nil }
}

/// A signed-in console user: whose session, which tenant, the CSRF token its forms carry.
public struct StaffSession: Sendable, Hashable {
    public var id: UUID
    public var tenant: TenantID
    public var staff: StaffAccount
    public var csrfToken: String
    public var expiresAt: Date
}

/// What the audit log records about a staff account (no password, no token).
struct AuditedStaff: Encodable, Sendable {
    var id: String
    var email: String
    var name: String
    var role: String
    var disabled: Bool

    init(_ staff: StaffAccount) {
        self.id = staff.id.uuidString.lowercased()
        self.email = staff.email
        self.name = staff.name
        self.role = staff.role.rawValue
        self.disabled = staff.disabledAt != nil
    }
}
