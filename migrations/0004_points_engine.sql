-- The points engine: versioned programs, refunds, redemptions (holds), activities, debt and
-- domain events.
--
-- Invariants, checked by `jifen audit` (extending 0002's):
--   balances.available = sum(available_delta) = sum(remaining of available lots) - balances.debt
--   balances.pending   = sum(pending_delta)   = sum(remaining of pending lots)
--   balances.held      = sum(points of redemptions still held)
-- Debt is what a clawback took beyond the member's lots (policy `allow_negative`); new
-- available points repay it before they can be spent.

CREATE TABLE programs (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    version integer NOT NULL CHECK (version > 0),
    rules jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, version)
);
ALTER TABLE programs ENABLE ROW LEVEL SECURITY;
ALTER TABLE programs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON programs USING (tenant_id = jifen_current_tenant());

ALTER TABLE balances
    ADD COLUMN held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    ADD COLUMN debt bigint NOT NULL DEFAULT 0 CHECK (debt >= 0),
    ADD COLUMN lifetime_reversed bigint NOT NULL DEFAULT 0,
    ADD COLUMN event_sequence bigint NOT NULL DEFAULT 0;

ALTER TABLE point_lots ADD COLUMN program_version integer NOT NULL DEFAULT 0;
-- Lots are spent first-to-expire-first; the ones without an expiry last.
CREATE INDEX point_lots_spend ON point_lots (tenant_id, member_id, expires_at NULLS LAST, earned_at, id)
    WHERE state = 'available' AND remaining > 0;
CREATE INDEX point_lots_release ON point_lots (tenant_id, available_at) WHERE state = 'pending';

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (
    'earn', 'release', 'hold', 'redeem', 'hold_release', 'reverse', 'expire', 'adjust', 'settle'));
ALTER TABLE ledger_entries
    ADD COLUMN source text NOT NULL DEFAULT 'order'
        CHECK (source IN ('order', 'refund', 'cancel', 'redemption', 'adjustment', 'activity', 'release', 'debt')),
    ADD COLUMN source_ref text,
    ADD COLUMN program_version integer,
    ADD COLUMN reason text,
    ADD COLUMN actor text,
    ADD COLUMN lots jsonb NOT NULL DEFAULT '[]';
CREATE INDEX ledger_entries_member_kind ON ledger_entries (tenant_id, member_id, kind, created_at DESC, id DESC);

-- A refund, identified by the shop's own id within its order: posting it again changes nothing.
CREATE TABLE refunds (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    order_id uuid NOT NULL,
    external_id text NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    lines jsonb NOT NULL DEFAULT '[]',
    points_clawed_back bigint NOT NULL DEFAULT 0,
    points_forgiven bigint NOT NULL DEFAULT 0,
    -- Set when the clawback was applied; a refund recorded before its order was scored waits.
    applied_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, order_id, external_id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);
ALTER TABLE refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refunds USING (tenant_id = jifen_current_tenant());

CREATE TABLE redemptions (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    points bigint NOT NULL CHECK (points > 0),
    value_amount bigint NOT NULL CHECK (value_amount >= 0),
    currency text,
    order_reference text,
    state text NOT NULL CHECK (state IN ('held', 'captured', 'released', 'expired')),
    program_version integer NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    captured_at timestamptz,
    released_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX redemptions_expiring ON redemptions (tenant_id, expires_at) WHERE state = 'held';
CREATE INDEX redemptions_member ON redemptions (tenant_id, member_id, created_at DESC);
ALTER TABLE redemptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE redemptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON redemptions USING (tenant_id = jifen_current_tenant());

-- Points for things other than orders, idempotent by the shop's id per activity type.
CREATE TABLE activities (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    type text NOT NULL,
    external_id text NOT NULL,
    occurred_at timestamptz NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    points bigint NOT NULL CHECK (points >= 0),
    reason text,
    lot_id uuid,
    program_version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, type, external_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX activities_member ON activities (tenant_id, member_id, type, occurred_at);
ALTER TABLE activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE activities FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON activities USING (tenant_id = jifen_current_tenant());

-- What happened to a member's points, for the shop (delivered by webhooks later). `sequence`
-- counts per member, so a consumer can put events back in order.
CREATE TABLE domain_events (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    sequence bigint NOT NULL,
    type text NOT NULL,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, member_id, sequence),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX domain_events_created ON domain_events (tenant_id, created_at, id);
ALTER TABLE domain_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE domain_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON domain_events USING (tenant_id = jifen_current_tenant());

-- Jobs that must not run before a time (pending points' release, a hold's expiry) wait in the
-- queue's delayed set until then.
ALTER TABLE outbox ADD COLUMN run_at timestamptz;
