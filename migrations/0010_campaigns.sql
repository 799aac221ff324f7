-- Campaigns: a bulk grant of points to a segment of members, run by the workers in batches, or
-- a multiplier on the points orders earn between two times.
CREATE TABLE campaigns (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('grant', 'multiplier')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- grant: points per member, the ledger reason, whether each member gets a points.adjusted
    -- event, the segment as the shop sent it, and progress over the members it matched when
    -- the campaign was created.
    points bigint CHECK (points BETWEEN 1 AND 1000000000),
    reason_code text,
    send_events boolean NOT NULL DEFAULT true,
    filter jsonb NOT NULL DEFAULT '{}',
    total integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    completed_at timestamptz,
    -- multiplier: ×(multiplier_percent / 100) on orders paid in [starts_at, ends_at), only on
    -- lines of `category` when set.
    multiplier_percent bigint CHECK (multiplier_percent BETWEEN 1 AND 10000),
    category text,
    starts_at timestamptz,
    ends_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    CHECK (kind <> 'grant' OR (points IS NOT NULL AND reason_code IS NOT NULL)),
    CHECK (kind <> 'multiplier' OR (multiplier_percent IS NOT NULL AND starts_at IS NOT NULL AND ends_at > starts_at))
);
CREATE INDEX campaigns_page ON campaigns (tenant_id, created_at DESC, id DESC);
CREATE INDEX campaigns_window ON campaigns (tenant_id, starts_at) WHERE kind = 'multiplier';
ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaigns USING (tenant_id = jifen_current_tenant());

-- The members a grant campaign targets, fixed when it is created; `granted_at` makes each grant
-- happen once, whatever the workers do (a killed one's batch is redone, finding it granted).
CREATE TABLE campaign_members (
    tenant_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    member_id uuid NOT NULL,
    granted_at timestamptz,
    PRIMARY KEY (tenant_id, campaign_id, member_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX campaign_members_pending ON campaign_members (tenant_id, campaign_id, member_id) WHERE granted_at IS NULL;
ALTER TABLE campaign_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaign_members USING (tenant_id = jifen_current_tenant());

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check CHECK (source IN (
    'order', 'refund', 'cancel', 'redemption', 'adjustment', 'activity', 'release', 'debt', 'expiry', 'check_in',
    'schedule', 'campaign', 'reward', 'referral'));
