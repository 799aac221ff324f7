import Foundation
import JifenCore
import PostgresNIO

/// Staff accounts and their sessions (migration 0025, docs/console.md). Passwords are hashed
/// by the caller (bcrypt is slow on purpose and must not run inside a transaction); tokens are
/// stored as SHA-256 digests only.
extension TenantConnection {
    static let staffSelect = """
        SELECT id, email, name, role, password_hash IS NOT NULL, invited_by, created_at, disabled_at
        FROM staff_accounts
        """

    /// Invites `email` with `role`: a new account, or a fresh invitation for one that never
    /// joined. An account that has joined is a 409 (change its role instead).
    public func inviteStaff(
        email: String,
        role: StaffRole,
        invitedBy: String,
        validFor: Duration = .seconds(7 * 24 * 3600)
    ) async throws -> (StaffAccount, invitation: APIKeySecret) {
        let secret = APIKeySecret.generate(for: tenant, scheme: APIKeySecret.invitationScheme)
        let expires = Date().addingTimeInterval(TimeInterval(validFor.components.seconds))
        let rows = try await query(
            """
            INSERT INTO staff_accounts AS s (tenant_id, email, role, invitation_hash, invitation_expires_at, invited_by)
            VALUES (\(tenant.rawValue), \(email), \(role.rawValue), \(secret.hash), \(expires), \(invitedBy))
            ON CONFLICT (tenant_id, email) DO UPDATE
            SET role = EXCLUDED.role, invitation_hash = EXCLUDED.invitation_hash,
                invitation_expires_at = EXCLUDED.invitation_expires_at, invited_by = EXCLUDED.invited_by,
                disabled_at = NULL
            WHERE s.password_hash IS NULL
            RETURNING id
            """
        )
        guard let id = try await rows.decode(UUID.self).first(where: { _ in true }),
            let account = try await staff(id)
        else {
            throw JifenError(.conflict, "\(email) has already joined this shop's console; change their role instead.")
        }
        try await recordAudit(.staffInvited, target: id.uuidString.lowercased(), after: AuditedStaff(account))
        return (account, secret)
    }

    public func staff(_ id: UUID) async throws -> StaffAccount? {
        try await staffRows(
            query("\(unescaped: Self.staffSelect) WHERE tenant_id = \(tenant.rawValue) AND id = \(id)")
        ).first
    }

    public func staffList() async throws -> [StaffAccount] {
        try await staffRows(
            query("\(unescaped: Self.staffSelect) WHERE tenant_id = \(tenant.rawValue) ORDER BY email")
        )
    }

    /// The account an unexpired, unused invitation names.
    public func staffInvited(by secret: APIKeySecret) async throws -> StaffAccount? {
        try await staffRows(
            query(
                """
                \(unescaped: Self.staffSelect)
                WHERE tenant_id = \(tenant.rawValue) AND invitation_hash = \(secret.hash)
                  AND invitation_expires_at > now() AND password_hash IS NULL AND disabled_at IS NULL
                """
            )
        ).first
    }

    /// Accepts an invitation: the account gets its name and password, the invitation is spent.
    public func acceptInvitation(_ secret: APIKeySecret, name: String, passwordHash: String) async throws
        -> StaffAccount?
    {
        let rows = try await query(
            """
            UPDATE staff_accounts SET name = \(name), password_hash = \(passwordHash),
                   invitation_hash = NULL, invitation_expires_at = NULL
            WHERE tenant_id = \(tenant.rawValue) AND invitation_hash = \(secret.hash)
              AND invitation_expires_at > now() AND password_hash IS NULL AND disabled_at IS NULL
            RETURNING id
            """
        )
        guard let id = try await rows.decode(UUID.self).first(where: { _ in true }),
            let account = try await staff(id)
        else { return nil }
        try await AuditActor.$current.withValue(
            AuditActor(kind: .console, id: id.uuidString.lowercased(), name: account.email)
        ) {
            try await recordAudit(.staffJoined, target: id.uuidString.lowercased(), after: AuditedStaff(account))
        }
        return account
    }

    /// The active account for `email` and its password hash, for sign-in.
    public func staffForSignIn(email: String) async throws -> (StaffAccount, passwordHash: String)? {
        let rows = try await query(
            """
            SELECT id, password_hash FROM staff_accounts
            WHERE tenant_id = \(tenant.rawValue) AND email = \(email)
              AND password_hash IS NOT NULL AND disabled_at IS NULL
            """
        )
        guard let (id, hash) = try await rows.decode((UUID, String).self).first(where: { _ in true }),
            let account = try await staff(id)
        else { return nil }
        return (account, hash)
    }

    /// Starts a session of `staff` that lasts at most `lifetime`.
    public func startSession(staff: UUID, lifetime: Duration) async throws -> (
        token: APIKeySecret, csrfToken: String
    ) {
        let secret = APIKeySecret.generate(for: tenant, scheme: APIKeySecret.sessionScheme)
        // Its own random value: the CSRF token is shown in every page, the session token never.
        let csrf = APIKeySecret.randomText()
        let expires = Date().addingTimeInterval(TimeInterval(lifetime.components.seconds))
        try await query(
            """
            INSERT INTO staff_sessions (tenant_id, staff_id, token_hash, csrf_token, expires_at)
            VALUES (\(tenant.rawValue), \(staff), \(secret.hash), \(csrf), \(expires))
            """
        )
        return (secret, csrf)
    }

    /// The live session `secret` names, marked as seen now. A session is over when it is past
    /// its lifetime, idle for longer than `idle`, signed out, revoked, or its account disabled.
    public func session(_ secret: APIKeySecret, idle: Duration) async throws -> StaffSession? {
        let idleSeconds = Double(idle.components.seconds)
        let rows = try await query(
            """
            UPDATE staff_sessions s SET last_seen_at = clock_timestamp()
            FROM staff_accounts a
            WHERE s.tenant_id = \(tenant.rawValue) AND s.token_hash = \(secret.hash) AND s.revoked_at IS NULL
              AND s.expires_at > clock_timestamp()
              AND s.last_seen_at > clock_timestamp() - make_interval(secs => \(idleSeconds))
              AND a.tenant_id = s.tenant_id AND a.id = s.staff_id AND a.disabled_at IS NULL
            RETURNING a.id, a.email, a.name, a.role, a.password_hash IS NOT NULL, a.invited_by, a.created_at,
                      a.disabled_at, s.id, s.csrf_token, s.expires_at
            """
        )
        // The account comes back with the session: one statement per page view.
        for try await (id, email, name, role, joined, invitedBy, created, disabled, session, csrf, expires)
            in rows.decode(
                (UUID, String, String, String, Bool, String, Date, Date?, UUID, String, Date).self
            )
        {
            let account = Self.account(id, email, name, role, joined, invitedBy, created, disabled)
            return StaffSession(id: session, tenant: tenant, staff: account, csrfToken: csrf, expiresAt: expires)
        }
        return nil
    }

    /// Signs one session out.
    public func endSession(_ secret: APIKeySecret) async throws {
        try await query(
            """
            UPDATE staff_sessions SET revoked_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND token_hash = \(secret.hash) AND revoked_at IS NULL
            """
        )
    }

    /// Ends every session of `staff` (an owner's "sign out everywhere", a lost laptop).
    @discardableResult
    public func revokeStaffSessions(_ staff: UUID) async throws -> Int {
        let rows = try await query(
            """
            UPDATE staff_sessions SET revoked_at = clock_timestamp()
            WHERE tenant_id = \(tenant.rawValue) AND staff_id = \(staff) AND revoked_at IS NULL
            RETURNING id
            """
        )
        let count = try await rows.decode(UUID.self).reduce(0) { count, _ in count + 1 }
        if count > 0 {
            try await recordAudit(.staffSessionsRevoked, target: staff.uuidString.lowercased())
        }
        return count
    }

    /// Changes a role; the last active owner cannot stop being one (the shop would lose its
    /// console).
    public func setStaffRole(_ id: UUID, role: StaffRole) async throws -> StaffAccount? {
        guard let before = try await staff(id) else { return nil }
        if before.role == .owner, role != .owner { try await keepAnOwner(besides: id) }
        try await query(
            "UPDATE staff_accounts SET role = \(role.rawValue) WHERE tenant_id = \(tenant.rawValue) AND id = \(id)"
        )
        guard let after = try await staff(id) else { return nil }
        if before.role != after.role {
            try await recordAudit(
                .staffRoleChanged,
                target: id.uuidString.lowercased(),
                before: AuditedStaff(before),
                after: AuditedStaff(after)
            )
        }
        return after
    }

    /// Disables an account and ends its sessions; it can be invited again later.
    public func disableStaff(_ id: UUID) async throws -> StaffAccount? {
        guard let before = try await staff(id) else { return nil }
        if before.disabledAt != nil { return before }
        if before.role == .owner { try await keepAnOwner(besides: id) }
        try await query(
            """
            UPDATE staff_accounts SET disabled_at = clock_timestamp(), password_hash = NULL, invitation_hash = NULL
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        try await revokeStaffSessions(id)
        guard let after = try await staff(id) else { return nil }
        try await recordAudit(
            .staffDisabled,
            target: id.uuidString.lowercased(),
            before: AuditedStaff(before),
            after: AuditedStaff(after)
        )
        return after
    }

    private func keepAnOwner(besides id: UUID) async throws {
        let rows = try await query(
            """
            SELECT count(*)::int FROM staff_accounts
            WHERE tenant_id = \(tenant.rawValue) AND role = 'owner' AND id <> \(id)
              AND password_hash IS NOT NULL AND disabled_at IS NULL
            """
        )
        let others = try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
        if others == 0 {
            throw JifenError(.conflict, "This is the shop's last owner; make someone else an owner first.")
        }
    }

    private func staffRows(_ rows: PostgresRowSequence) async throws -> [StaffAccount] {
        var accounts: [StaffAccount] = []
        for try await (id, email, name, role, joined, invitedBy, created, disabled) in rows.decode(
            (UUID, String, String, String, Bool, String, Date, Date?).self
        ) {
            accounts.append(Self.account(id, email, name, role, joined, invitedBy, created, disabled))
        }
        return accounts
    }

    /// An account from the columns of ``staffSelect``, in its order.
    private static func account(
        _ id: UUID,
        _ email: String,
        _ name: String,
        _ role: String,
        _ joined: Bool,
        _ invitedBy: String,
        _ created: Date,
        _ disabled: Date?
    ) -> StaffAccount {
        StaffAccount(
            id: id,
            email: email,
            name: name,
            role: StaffRole(rawValue: role) ?? .viewer,
            joined: joined,
            invitedBy: invitedBy,
            createdAt: created,
            disabledAt: disabled
        )
    }
}
