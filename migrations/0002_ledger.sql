-- The points ledger: lots (one per earning, so expiry and redemption are exact and FIFO),
-- append-only ledger entries (every change, each with an idempotency key so a job delivered
-- twice changes nothing), and a balance row per member updated in the same transaction.
--
-- Invariants, checked by `jifen audit`:
--   balances.available = sum(ledger_entries.available_delta) = sum(remaining of available lots)
--   balances.pending   = sum(ledger_entries.pending_delta)   = sum(remaining of pending lots)

CREATE TABLE balances (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    available bigint NOT NULL DEFAULT 0,
    pending bigint NOT NULL DEFAULT 0,
    lifetime_earned bigint NOT NULL DEFAULT 0,
    lifetime_redeemed bigint NOT NULL DEFAULT 0,
    lifetime_expired bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
ALTER TABLE balances ENABLE ROW LEVEL SECURITY;
ALTER TABLE balances FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON balances USING (tenant_id = jifen_current_tenant());

CREATE TABLE point_lots (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    member_id uuid NOT NULL,
    source text NOT NULL CHECK (source IN ('order', 'adjustment', 'activity', 'referral', 'check_in', 'schedule', 'campaign')),
    order_id uuid,
    points bigint NOT NULL CHECK (points > 0),
    remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
    state text NOT NULL CHECK (state IN ('pending', 'available', 'reversed', 'expired')),
    earned_at timestamptz NOT NULL,
    available_at timestamptz NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);
CREATE INDEX point_lots_member ON point_lots (tenant_id, member_id, state, earned_at);
CREATE INDEX point_lots_order ON point_lots (tenant_id, order_id) WHERE order_id IS NOT NULL;
ALTER TABLE point_lots ENABLE ROW LEVEL SECURITY;
ALTER TABLE point_lots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON point_lots USING (tenant_id = jifen_current_tenant());

CREATE TABLE ledger_entries (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('earn', 'release', 'redeem', 'reverse', 'expire', 'adjust')),
    available_delta bigint NOT NULL DEFAULT 0,
    pending_delta bigint NOT NULL DEFAULT 0,
    lot_id uuid,
    order_id uuid,
    idempotency_key text NOT NULL,
    description text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id),
    FOREIGN KEY (tenant_id, lot_id) REFERENCES point_lots (tenant_id, id)
);
CREATE INDEX ledger_entries_member ON ledger_entries (tenant_id, member_id, created_at DESC, id DESC);
CREATE INDEX ledger_entries_order ON ledger_entries (tenant_id, order_id) WHERE order_id IS NOT NULL;
ALTER TABLE ledger_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ledger_entries USING (tenant_id = jifen_current_tenant());

-- Append-only, whoever connects: corrections are new entries, never edits.
CREATE FUNCTION jifen_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();
