-- Referrals: every member has a code; a referee is attributed to a referrer once; both are
-- rewarded when the referee's first qualifying order's points become available.
--
-- The code is derived from the member's id (12 hex digits of its SHA-256): stable, needs no
-- generator, and unique per tenant (the index refuses the ~1-in-10^5 collision at 100,000
-- members rather than sharing a code).
ALTER TABLE members ADD COLUMN referral_code text
    GENERATED ALWAYS AS (upper(substr(encode(sha256(uuid_send(id)), 'hex'), 1, 12))) STORED;
CREATE UNIQUE INDEX members_referral_code ON members (tenant_id, referral_code);

CREATE TABLE referrals (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    referrer_id uuid NOT NULL,
    referee_id uuid NOT NULL,
    code text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'rewarded', 'rejected')),
    reason text,
    ip inet,
    referrer_points bigint NOT NULL DEFAULT 0,
    referee_points bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    qualified_at timestamptz,
    rewarded_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    -- A referee is attributed once, whatever came of it.
    UNIQUE (tenant_id, referee_id),
    FOREIGN KEY (tenant_id, referrer_id) REFERENCES members (tenant_id, id),
    FOREIGN KEY (tenant_id, referee_id) REFERENCES members (tenant_id, id),
    CHECK (status <> 'rejected' OR reason IS NOT NULL)
);
CREATE INDEX referrals_referrer ON referrals (tenant_id, referrer_id, created_at DESC);
CREATE INDEX referrals_ip ON referrals (tenant_id, ip, created_at) WHERE ip IS NOT NULL;
ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
ALTER TABLE referrals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON referrals USING (tenant_id = jifen_current_tenant());
