-- Win-back journeys (issue 19): per-category repurchase windows, journeys of multi-step stimuli
-- run by the workers, control groups (held-out members, tracked but never stimulated) for
-- journeys and campaigns, and the figures their evaluation reads.

-- Each member's last purchase per category (kept by scoring when the program has repurchase
-- windows), when the next is expected, and for which purchase `member.lapsing` was sent.
CREATE TABLE member_categories (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    category text NOT NULL,
    last_order_at timestamptz NOT NULL,
    next_expected_at timestamptz NOT NULL,
    -- The last_order_at whose window `member.lapsing` reported: once per window crossed.
    lapsed_for timestamptz,
    PRIMARY KEY (tenant_id, member_id, category),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX member_categories_due ON member_categories (tenant_id, next_expected_at)
    WHERE lapsed_for IS DISTINCT FROM last_order_at;
ALTER TABLE member_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON member_categories USING (tenant_id = jifen_current_tenant());

CREATE TABLE journeys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The JourneyDraft as validated: entry, steps, cycles, holdout, evaluation window.
    definition jsonb NOT NULL,
    state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'stopped')),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX journeys_page ON journeys (tenant_id, created_at DESC, id DESC);
ALTER TABLE journeys ENABLE ROW LEVEL SECURITY;
ALTER TABLE journeys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journeys USING (tenant_id = jifen_current_tenant());

-- A member in a journey: where it is, when its next step is due, whether it is held out.
CREATE TABLE journey_members (
    tenant_id uuid NOT NULL,
    journey_id uuid NOT NULL,
    member_id uuid NOT NULL,
    held_out boolean NOT NULL,
    entered_at timestamptz NOT NULL,
    cycle integer NOT NULL DEFAULT 0,
    step integer NOT NULL DEFAULT 0,
    last_step_at timestamptz,
    next_due_at timestamptz,
    exited_at timestamptz,
    exit_reason text CHECK (exit_reason IN ('purchased', 'completed')),
    PRIMARY KEY (tenant_id, journey_id, member_id),
    FOREIGN KEY (tenant_id, journey_id) REFERENCES journeys (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX journey_members_due ON journey_members (tenant_id, next_due_at) WHERE exited_at IS NULL;
ALTER TABLE journey_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE journey_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journey_members USING (tenant_id = jifen_current_tenant());

-- Each step a member reached, once (the primary key): stimulated or not (held out, or it had
-- purchased when the step asks for none), and what it cost. The evaluation reads it with orders.
CREATE TABLE journey_steps (
    tenant_id uuid NOT NULL,
    journey_id uuid NOT NULL,
    member_id uuid NOT NULL,
    cycle integer NOT NULL,
    step integer NOT NULL,
    performed_at timestamptz NOT NULL,
    held_out boolean NOT NULL,
    stimulated boolean NOT NULL,
    action text NOT NULL CHECK (action IN ('coupon', 'points', 'message')),
    points bigint NOT NULL DEFAULT 0,
    coupon_id uuid,
    PRIMARY KEY (tenant_id, journey_id, member_id, cycle, step),
    FOREIGN KEY (tenant_id, journey_id, member_id) REFERENCES journey_members (tenant_id, journey_id, member_id)
);
ALTER TABLE journey_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE journey_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journey_steps USING (tenant_id = jifen_current_tenant());

-- Campaigns may hold out a share of their segment too.
ALTER TABLE campaigns ADD COLUMN holdout_percent integer NOT NULL DEFAULT 0 CHECK (holdout_percent BETWEEN 0 AND 50),
    ADD COLUMN evaluation_days integer NOT NULL DEFAULT 30 CHECK (evaluation_days BETWEEN 1 AND 365);
ALTER TABLE campaign_members ADD COLUMN held_out boolean NOT NULL DEFAULT false;

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check CHECK (source IN (
    'order', 'refund', 'cancel', 'redemption', 'adjustment', 'activity', 'release', 'debt', 'expiry', 'check_in',
    'schedule', 'campaign', 'reward', 'referral', 'journey'));
ALTER TABLE point_lots DROP CONSTRAINT point_lots_source_check;
ALTER TABLE point_lots ADD CONSTRAINT point_lots_source_check CHECK (source IN (
    'order', 'adjustment', 'activity', 'referral', 'check_in', 'schedule', 'campaign', 'journey'));
ALTER TABLE coupons DROP CONSTRAINT coupons_source_check;
ALTER TABLE coupons ADD CONSTRAINT coupons_source_check CHECK (source IN ('api', 'reward', 'campaign', 'welcome', 'journey'));

-- Due work: journeys.advance (members whose next step is due) and members.lapsing (category
-- windows passed). The function of 0018 keeps its name under a new one, as before.
ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) RENAME TO jifen_due_tenants_0018;

CREATE FUNCTION jifen_due_tenants(kind text, now timestamptz, max integer DEFAULT NULL,
                                  after_tenant uuid DEFAULT NULL)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    AS $fn$
DECLARE
    start_after uuid := coalesce(after_tenant, '00000000-0000-0000-0000-000000000000');
BEGIN
    IF max IS NOT NULL AND max < 1 THEN
        RETURN;
    END IF;

    IF kind = 'journeys.advance' THEN
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT j.tenant_id, j.next_due_at FROM journey_members j
             WHERE j.exited_at IS NULL AND j.tenant_id > start_after
             ORDER BY j.tenant_id, j.next_due_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.next_due_at FROM t CROSS JOIN LATERAL (
                SELECT j.tenant_id, j.next_due_at FROM journey_members j
                WHERE j.exited_at IS NULL AND j.tenant_id > t.tenant_id
                ORDER BY j.tenant_id, j.next_due_at LIMIT 1) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;

    ELSIF kind = 'members.lapsing' THEN
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT c.tenant_id, c.next_expected_at FROM member_categories c
             WHERE c.lapsed_for IS DISTINCT FROM c.last_order_at AND c.tenant_id > start_after
             ORDER BY c.tenant_id, c.next_expected_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.next_expected_at FROM t CROSS JOIN LATERAL (
                SELECT c.tenant_id, c.next_expected_at FROM member_categories c
                WHERE c.lapsed_for IS DISTINCT FROM c.last_order_at AND c.tenant_id > t.tenant_id
                ORDER BY c.tenant_id, c.next_expected_at LIMIT 1) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;

    ELSE
        RETURN QUERY SELECT * FROM jifen_due_tenants_0018(kind, now, max, after_tenant);
    END IF;
END $fn$;

DO $body$
DECLARE
    tbl text;
    grantee record;
BEGIN
    EXECUTE format(
        'ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) SET search_path = %I, pg_temp',
        current_schema()
    );
    FOREACH tbl IN ARRAY ARRAY['journey_members', 'member_categories'] LOOP
        EXECUTE format('CREATE POLICY owner_due_work ON %I FOR SELECT TO %I USING (true)', tbl, current_user);
    END LOOP;
    REVOKE ALL ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) FROM PUBLIC;
    FOR grantee IN
        SELECT DISTINCT p.oid::regprocedure AS fn, a.grantee::regrole AS role
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'jifen_due_tenants(text, timestamptz, integer, uuid)'::regprocedure
          AND a.grantee <> 0 AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', grantee.fn, grantee.role);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jifen_system') THEN
        GRANT EXECUTE ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) TO jifen_system;
    END IF;
END
$body$;
