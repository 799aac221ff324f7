-- Coupons (issue 17): templates a shop defines, coupons issued from them to members, reserved by
-- the order that names them, redeemed when it is paid, returned when it is cancelled or refunded
-- in full; expired and reminded by the scheduler's sweeps.
--
-- Grants: none here; the application role gets its privileges through the owner's default
-- privileges, as for every earlier migration.

CREATE TABLE coupon_templates (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency char(3) NOT NULL,
    kind text NOT NULL CHECK (kind IN ('amount_off', 'percent_off', 'free_shipping', 'gift')),
    amount bigint CHECK (amount BETWEEN 1 AND 100000000000000),
    percent bigint CHECK (percent BETWEEN 1 AND 100),
    gift_sku text,
    minimum_spend bigint NOT NULL DEFAULT 0 CHECK (minimum_spend BETWEEN 0 AND 100000000000000),
    -- {categories, skus, excluded_categories, excluded_skus}
    eligibility jsonb NOT NULL DEFAULT '{}',
    -- Either a fixed window [valid_from, valid_until) or valid_days from the day of issue.
    valid_from timestamptz,
    valid_until timestamptz,
    valid_days integer CHECK (valid_days BETWEEN 1 AND 3650),
    per_member_limit bigint CHECK (per_member_limit > 0),
    -- Coupons left to issue; NULL: unlimited. Issuing takes it with a conditional UPDATE; the
    -- CHECK is the backstop.
    stock bigint CHECK (stock >= 0),
    issued bigint NOT NULL DEFAULT 0 CHECK (issued >= 0),
    stacks_with_coupons boolean NOT NULL DEFAULT false,
    stacks_with_points boolean NOT NULL DEFAULT true,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    CHECK ((kind = 'amount_off') = (amount IS NOT NULL)),
    CHECK ((kind = 'percent_off') = (percent IS NOT NULL)),
    CHECK ((kind = 'gift') = (gift_sku IS NOT NULL)),
    CHECK ((valid_days IS NULL) = (valid_from IS NOT NULL AND valid_until > valid_from))
);
CREATE INDEX coupon_templates_page ON coupon_templates (tenant_id, created_at DESC, id DESC);
ALTER TABLE coupon_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupon_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON coupon_templates USING (tenant_id = jifen_current_tenant());

CREATE TABLE coupons (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    template_id uuid NOT NULL,
    member_id uuid NOT NULL,
    -- XXXX-XXXX-XXXX from 30 unambiguous characters (CouponCode): what the member types.
    code text NOT NULL,
    -- What makes issuing idempotent: `api:<shop id>`, `reward:<claim>:<n>`,
    -- `campaign:<campaign>:<member>:<n>`, `welcome:<member>:<template>:<n>`.
    issue_key text NOT NULL,
    -- The shop's id for a coupon it issued through the API.
    external_id text,
    source text NOT NULL CHECK (source IN ('api', 'reward', 'campaign', 'welcome')),
    source_ref text,
    state text NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'reserved', 'redeemed', 'expired', 'voided')),
    valid_from timestamptz NOT NULL,
    valid_until timestamptz NOT NULL CHECK (valid_until > valid_from),
    -- The order that reserved or redeemed it. One order at a time: the reserving UPDATE
    -- requires state = 'issued', and PostgreSQL re-checks that after waiting for a racing one.
    order_id uuid,
    reserved_at timestamptz,
    redeemed_at timestamptz,
    expired_at timestamptz,
    voided_at timestamptz,
    -- When coupon.expiring was recorded (once per coupon).
    reminded_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, issue_key),
    FOREIGN KEY (tenant_id, template_id) REFERENCES coupon_templates (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id),
    CHECK ((state IN ('reserved', 'redeemed')) = (order_id IS NOT NULL))
);
CREATE UNIQUE INDEX coupons_external_id ON coupons (tenant_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX coupons_member ON coupons (tenant_id, member_id, created_at DESC, id DESC);
CREATE INDEX coupons_template_member ON coupons (tenant_id, template_id, member_id);
CREATE INDEX coupons_order ON coupons (tenant_id, order_id) WHERE order_id IS NOT NULL;
-- The sweeps: issued coupons by the end of their validity.
CREATE INDEX coupons_expiring ON coupons (tenant_id, valid_until) WHERE state = 'issued';
CREATE INDEX coupons_remind ON coupons (tenant_id, valid_until) WHERE state = 'issued' AND reminded_at IS NULL;
ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON coupons USING (tenant_id = jifen_current_tenant());

-- A reward may issue a coupon of a template per unit claimed.
ALTER TABLE rewards ADD COLUMN coupon_template_id uuid;
ALTER TABLE rewards ADD CONSTRAINT rewards_coupon_template_fkey
    FOREIGN KEY (tenant_id, coupon_template_id) REFERENCES coupon_templates (tenant_id, id);

-- A campaign may issue `coupon_count` coupons of a template to each member of its segment, the
-- n-th valid from `coupon_interval_months` × n months after the issue.
ALTER TABLE campaigns DROP CONSTRAINT campaigns_kind_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_kind_check CHECK (kind IN ('grant', 'multiplier', 'coupons'));
ALTER TABLE campaigns ADD COLUMN coupon_template_id uuid,
    ADD COLUMN coupon_count integer CHECK (coupon_count BETWEEN 1 AND 24),
    ADD COLUMN coupon_interval_months integer CHECK (coupon_interval_months BETWEEN 0 AND 12),
    ADD CONSTRAINT campaigns_coupon_template_fkey
        FOREIGN KEY (tenant_id, coupon_template_id) REFERENCES coupon_templates (tenant_id, id),
    ADD CONSTRAINT campaigns_coupons_check
        CHECK (kind <> 'coupons' OR (coupon_template_id IS NOT NULL AND coupon_count IS NOT NULL
                                      AND coupon_interval_months IS NOT NULL));

-- An order names the points hold it was paid with (captured when it is paid, released when it is
-- cancelled) and the coupons it used (their codes, as recorded; the coupons point back to it).
ALTER TABLE orders ADD COLUMN redemption_id uuid,
    ADD COLUMN coupon_codes text[] NOT NULL DEFAULT '{}';
ALTER TABLE orders ADD CONSTRAINT orders_redemption_fkey
    FOREIGN KEY (tenant_id, redemption_id) REFERENCES redemptions (tenant_id, id);

-- The sweeps' due work: the function of 0015 keeps its name under a new one, and the new
-- jifen_due_tenants answers the coupon kinds and hands every other kind to it.
ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) RENAME TO jifen_due_tenants_0015;

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

    IF kind = 'coupons.expire' THEN
        -- expireCoupons: state = 'issued' AND valid_until <= now. Loose scan of coupons_expiring.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT c.tenant_id, c.valid_until FROM coupons c
             WHERE c.state = 'issued' AND c.tenant_id > start_after
             ORDER BY c.tenant_id, c.valid_until LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.valid_until
            FROM t CROSS JOIN LATERAL (
                SELECT c.tenant_id, c.valid_until FROM coupons c
                WHERE c.state = 'issued' AND c.tenant_id > t.tenant_id
                ORDER BY c.tenant_id, c.valid_until LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;

    ELSIF kind = 'coupons.remind' THEN
        -- remindCoupons: state = 'issued', not reminded, valid_until within the program's
        -- coupons.remind_days_before (default 3; 0 turns reminders off) and still ahead. Loose
        -- scan of coupons_remind, then each such tenant's program.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT c.tenant_id, c.valid_until FROM coupons c
             WHERE c.state = 'issued' AND c.reminded_at IS NULL AND c.tenant_id > start_after
             ORDER BY c.tenant_id, c.valid_until LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.valid_until
            FROM t CROSS JOIN LATERAL (
                SELECT c.tenant_id, c.valid_until FROM coupons c
                WHERE c.state = 'issued' AND c.reminded_at IS NULL AND c.tenant_id > t.tenant_id
                ORDER BY c.tenant_id, c.valid_until LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t
        CROSS JOIN LATERAL (SELECT coalesce((p.rules #>> '{coupons,remind_days_before}')::integer, 3) AS days
                            FROM programs p WHERE p.tenant_id = t.tenant_id
                            ORDER BY p.version DESC LIMIT 1) pr
        WHERE pr.days > 0 AND t.first_at <= now + make_interval(days => pr.days)
        LIMIT max;

    ELSE
        RETURN QUERY SELECT * FROM jifen_due_tenants_0015(kind, now, max, after_tenant);
    END IF;
END $fn$;

DO $body$
DECLARE
    grantee record;
BEGIN
    EXECUTE format(
        'ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) SET search_path = %I, pg_temp',
        current_schema()
    );
    EXECUTE format('CREATE POLICY owner_due_work ON coupons FOR SELECT TO %I USING (true)', current_user);

    -- As in 0015: EXECUTE for jifen_system (and the owner) only.
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
