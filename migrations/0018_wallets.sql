-- Stored value (issue 18): a member's wallet in money per currency, in two parts — principal
-- (what the member paid) and bonus (what the shop gave) — kept as lots like points, changed only
-- through an append-only money ledger. Top-ups (idempotent by the shop's payment id) may earn a
-- bonus from the program's offers, paid at once or in installments by the workers; holds spend
-- it (captured by an order's payment, released by its cancellation); refunds give it back.
--
-- Lock order, extending the points engine's: the member's balance row (lockMember: events are
-- numbered on it), then the wallet row, then lots, holds and top-ups of that wallet.

CREATE TABLE wallets (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    currency char(3) NOT NULL,
    -- Spendable now, by part; held is what open holds took from both parts.
    principal bigint NOT NULL DEFAULT 0 CHECK (principal >= 0),
    bonus bigint NOT NULL DEFAULT 0 CHECK (bonus >= 0),
    held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    lifetime_topped_up bigint NOT NULL DEFAULT 0,
    lifetime_bonus bigint NOT NULL DEFAULT 0,
    lifetime_spent bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, member_id, currency),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
ALTER TABLE wallets ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallets USING (tenant_id = jifen_current_tenant());

CREATE TABLE wallet_top_ups (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    currency char(3) NOT NULL,
    -- The shop's payment id: a second top-up with it is the first one.
    external_id text NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    -- The offer that applied, as it was then (the program may change later).
    offer jsonb,
    bonus_total bigint NOT NULL DEFAULT 0 CHECK (bonus_total >= 0),
    state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'refunded')),
    refund jsonb,
    refunded_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, member_id, currency) REFERENCES wallets (tenant_id, member_id, currency)
);
CREATE INDEX wallet_top_ups_member ON wallet_top_ups (tenant_id, member_id, created_at DESC, id DESC);
ALTER TABLE wallet_top_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_top_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallet_top_ups USING (tenant_id = jifen_current_tenant());

CREATE TABLE wallet_lots (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    currency char(3) NOT NULL,
    part text NOT NULL CHECK (part IN ('principal', 'bonus')),
    amount bigint NOT NULL CHECK (amount > 0),
    remaining bigint NOT NULL CHECK (remaining BETWEEN 0 AND amount),
    -- What expired of it (bonus only): spent = amount − remaining − expired.
    expired bigint NOT NULL DEFAULT 0 CHECK (expired BETWEEN 0 AND amount - remaining),
    top_up_id uuid,
    installment integer,
    expires_at timestamptz,
    -- When what remained expired, and when wallet.bonus_expiring was recorded.
    expired_at timestamptz,
    reminded_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id, currency) REFERENCES wallets (tenant_id, member_id, currency),
    FOREIGN KEY (tenant_id, top_up_id) REFERENCES wallet_top_ups (tenant_id, id)
);
CREATE INDEX wallet_lots_open ON wallet_lots (tenant_id, member_id, currency) WHERE remaining > 0;
CREATE INDEX wallet_lots_top_up ON wallet_lots (tenant_id, top_up_id) WHERE top_up_id IS NOT NULL;
CREATE INDEX wallet_lots_expiring ON wallet_lots (tenant_id, expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;
ALTER TABLE wallet_lots ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_lots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallet_lots USING (tenant_id = jifen_current_tenant());

CREATE TABLE wallet_installments (
    tenant_id uuid NOT NULL,
    top_up_id uuid NOT NULL,
    number integer NOT NULL CHECK (number > 0),
    due_at timestamptz NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    -- Paid once: the paying UPDATE requires paid_at IS NULL, the ledger key backs it up.
    paid_at timestamptz,
    lot_id uuid,
    cancelled_at timestamptz,
    PRIMARY KEY (tenant_id, top_up_id, number),
    FOREIGN KEY (tenant_id, top_up_id) REFERENCES wallet_top_ups (tenant_id, id)
);
CREATE INDEX wallet_installments_due ON wallet_installments (tenant_id, due_at)
    WHERE paid_at IS NULL AND cancelled_at IS NULL;
ALTER TABLE wallet_installments ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_installments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallet_installments USING (tenant_id = jifen_current_tenant());

CREATE TABLE wallet_holds (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    currency char(3) NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    order_reference text,
    state text NOT NULL CHECK (state IN ('held', 'captured', 'released', 'expired')),
    -- The lots the money came from: [{lot_id, part, amount}].
    touches jsonb NOT NULL,
    -- Given back to the wallet by refunds of the order it paid (captured holds only).
    returned bigint NOT NULL DEFAULT 0 CHECK (returned BETWEEN 0 AND amount),
    expires_at timestamptz NOT NULL,
    captured_at timestamptz,
    released_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id, currency) REFERENCES wallets (tenant_id, member_id, currency)
);
CREATE INDEX wallet_holds_expiring ON wallet_holds (tenant_id, expires_at) WHERE state = 'held';
ALTER TABLE wallet_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallet_holds USING (tenant_id = jifen_current_tenant());

-- The money ledger: every change of a wallet, append-only, each with an idempotency key.
-- Deltas by part; the audit checks that they sum to the wallet's figures and its lots'.
CREATE TABLE wallet_entries (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    currency char(3) NOT NULL,
    kind text NOT NULL CHECK (kind IN ('top_up', 'bonus', 'hold', 'release', 'capture', 'return', 'expire',
                                       'refund')),
    principal_delta bigint NOT NULL DEFAULT 0,
    bonus_delta bigint NOT NULL DEFAULT 0,
    held_delta bigint NOT NULL DEFAULT 0,
    idempotency_key text NOT NULL,
    source_ref text,
    description text,
    touches jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, member_id, currency) REFERENCES wallets (tenant_id, member_id, currency)
);
CREATE INDEX wallet_entries_member ON wallet_entries (tenant_id, member_id, created_at DESC, id DESC);
ALTER TABLE wallet_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON wallet_entries USING (tenant_id = jifen_current_tenant());
CREATE TRIGGER wallet_entries_append_only BEFORE UPDATE OR DELETE ON wallet_entries
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();

-- An order may be paid in part from the wallet: its hold, captured when the order is paid,
-- released when it is cancelled; refunds give back the wallet's share.
ALTER TABLE orders ADD COLUMN wallet_hold_id uuid,
    ADD CONSTRAINT orders_wallet_hold_fkey FOREIGN KEY (tenant_id, wallet_hold_id) REFERENCES wallet_holds (tenant_id, id);

-- The wallets' sweep (one job kind, `wallets.sweep`: installments due, holds expired, bonus
-- expired, reminders): due when any of the four has something due now. Each branch walks its
-- partial index with a loose scan, as in 0015.
ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) RENAME TO jifen_due_tenants_0017;

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

    IF kind = 'wallets.sweep' THEN
        RETURN QUERY
        WITH RECURSIVE
        i(tenant_id, first_at) AS (
            (SELECT w.tenant_id, w.due_at FROM wallet_installments w
             WHERE w.paid_at IS NULL AND w.cancelled_at IS NULL AND w.tenant_id > start_after
             ORDER BY w.tenant_id, w.due_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.due_at FROM i CROSS JOIN LATERAL (
                SELECT w.tenant_id, w.due_at FROM wallet_installments w
                WHERE w.paid_at IS NULL AND w.cancelled_at IS NULL AND w.tenant_id > i.tenant_id
                ORDER BY w.tenant_id, w.due_at LIMIT 1) n
        ),
        h(tenant_id, first_at) AS (
            (SELECT w.tenant_id, w.expires_at FROM wallet_holds w
             WHERE w.state = 'held' AND w.tenant_id > start_after
             ORDER BY w.tenant_id, w.expires_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.expires_at FROM h CROSS JOIN LATERAL (
                SELECT w.tenant_id, w.expires_at FROM wallet_holds w
                WHERE w.state = 'held' AND w.tenant_id > h.tenant_id
                ORDER BY w.tenant_id, w.expires_at LIMIT 1) n
        ),
        -- Expiring bonus, due for the expiry at its date and for the reminder up to 365 days
        -- before (a superset: the sweep reads the program's remind_days_before).
        l(tenant_id, first_at) AS (
            (SELECT w.tenant_id, w.expires_at FROM wallet_lots w
             WHERE w.remaining > 0 AND w.expires_at IS NOT NULL AND w.tenant_id > start_after
             ORDER BY w.tenant_id, w.expires_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.expires_at FROM l CROSS JOIN LATERAL (
                SELECT w.tenant_id, w.expires_at FROM wallet_lots w
                WHERE w.remaining > 0 AND w.expires_at IS NOT NULL AND w.tenant_id > l.tenant_id
                ORDER BY w.tenant_id, w.expires_at LIMIT 1) n
        )
        SELECT d.tenant_id FROM (
            SELECT i.tenant_id FROM i WHERE i.first_at <= now
            UNION SELECT h.tenant_id FROM h WHERE h.first_at <= now
            UNION SELECT l.tenant_id FROM l
                  CROSS JOIN LATERAL (SELECT coalesce((p.rules #>> '{wallet,remind_days_before}')::integer, 3) AS days
                                      FROM programs p WHERE p.tenant_id = l.tenant_id
                                      ORDER BY p.version DESC LIMIT 1) pr
                  WHERE l.first_at <= now + make_interval(days => coalesce(pr.days, 3))
        ) d ORDER BY d.tenant_id LIMIT max;

    ELSE
        RETURN QUERY SELECT * FROM jifen_due_tenants_0017(kind, now, max, after_tenant);
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
    FOREACH tbl IN ARRAY ARRAY['wallet_installments', 'wallet_holds', 'wallet_lots'] LOOP
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
