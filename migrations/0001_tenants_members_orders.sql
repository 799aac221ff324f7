-- The walking skeleton: tenants and their API keys, members, orders, request idempotency and
-- the outbox the workers relay to Redis.
--
-- Isolation rules (DESIGN §3), followed by every later migration:
-- * tenant_id is the first column of every tenant table's primary key and unique indexes;
-- * ENABLE + FORCE ROW LEVEL SECURITY with a policy on jifen_current_tenant(), which reads
--   the transaction-local app.tenant_id (NULLIF: a pooled connection returns '' after a
--   transaction-local set_config, and ''::uuid raises);
-- * the application connects as a role that owns nothing.
-- A few tables are also visible to the "system" scope (app.scope = 'system'): operator
-- endpoints and the outbox relay work across tenants, but never on members or orders.

CREATE FUNCTION jifen_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION jifen_system_scope() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('app.scope', true), '') = 'system' $$;

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX tenants_page ON tenants (created_at DESC, id DESC);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants
    USING (id = jifen_current_tenant() OR jifen_system_scope());

-- A key is "jf_<tenant id hex>_<secret>": the tenant comes from the key itself, so the lookup
-- runs under that tenant's row-level security and needs no cross-tenant index.
CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text,
    prefix text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, secret_hash)
);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());

CREATE TABLE members (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    external_id text NOT NULL,
    email text,
    phone text,
    name text,
    tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX members_page ON members (tenant_id, created_at DESC, id DESC);
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON members USING (tenant_id = jifen_current_tenant());

-- Lines are kept as the shop sent them (JSON): rules read them, nothing queries into them.
CREATE TABLE orders (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    external_id text NOT NULL,
    member_id uuid NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount bigint NOT NULL CHECK (amount >= 0),
    status text NOT NULL CHECK (status IN ('placed', 'paid', 'cancelled', 'refunded')),
    placed_at timestamptz NOT NULL,
    paid_at timestamptz,
    cancelled_at timestamptz,
    refunded_at timestamptz,
    lines jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX orders_member ON orders (tenant_id, member_id, created_at DESC);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orders USING (tenant_id = jifen_current_tenant());

-- Stored responses of POSTs sent with an Idempotency-Key. Operator requests use the nil
-- tenant id, so they are scoped like any tenant's.
CREATE TABLE idempotency_keys (
    tenant_id uuid NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    status_code integer,
    content_type text,
    response_body bytea,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys USING (tenant_id = jifen_current_tenant());

-- Jobs written in the same transaction as the change that causes them; the workers relay
-- them to Redis, so an accepted order is never lost while Redis is down.
CREATE TABLE outbox (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    relayed_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_unrelayed ON outbox (id) WHERE relayed_at IS NULL;
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());
