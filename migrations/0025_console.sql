-- The staff console (docs/console.md): staff accounts per tenant, their sign-in sessions, and
-- the indexes the console's member search needs.
--
-- A staff account is created by an invitation (from the operator's `jifen staff invite` or a
-- tenant owner's console page) and has no password until the invitee accepts it. Tokens are
-- never stored: invitations and sessions keep the SHA-256 of their secret part, as API keys do.
-- Both tokens carry their tenant's id in clear (`<tenant>.<secret>`), so a lookup runs under
-- that tenant's row-level security like every other query.
CREATE TABLE staff_accounts (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    role text NOT NULL CHECK (role IN ('owner', 'staff', 'viewer')),
    -- bcrypt; NULL until the invitation is accepted.
    password_hash text,
    invitation_hash bytea,
    invitation_expires_at timestamptz,
    invited_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    disabled_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);
CREATE UNIQUE INDEX staff_accounts_invitation ON staff_accounts (tenant_id, invitation_hash)
    WHERE invitation_hash IS NOT NULL;
ALTER TABLE staff_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_accounts
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());

-- A session lives until `expires_at` (its absolute lifetime) unless it is idle for longer than
-- the console's idle limit (`last_seen_at`), signed out or revoked (`revoked_at`).
CREATE TABLE staff_sessions (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    staff_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    -- The synchronizer token every form of this session carries (CSRF).
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_accounts (tenant_id, id)
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (tenant_id, staff_id) WHERE revoked_at IS NULL;
ALTER TABLE staff_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_sessions
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());

-- The console finds a member by external id (the primary key's unique index), email or phone.
-- Email and phone are matched by their keyed hashes (migration 0022), which normalise case and
-- punctuation, and by the plain value for rows written before those hashes existed.
CREATE INDEX members_email_hash ON members (tenant_id, email_hash) WHERE email_hash IS NOT NULL;
CREATE INDEX members_phone_hash ON members (tenant_id, phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX members_email_lower ON members (tenant_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX members_phone_plain ON members (tenant_id, phone) WHERE phone IS NOT NULL;
