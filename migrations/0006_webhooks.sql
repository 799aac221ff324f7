-- Webhooks both ways: the shop's endpoints and every delivery attempt to them (outbound), and
-- the shop's signing secrets and the ids of webhooks already received (inbound).

CREATE TABLE webhook_endpoints (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    url text NOT NULL,
    -- Empty: every event type.
    event_types text[] NOT NULL DEFAULT '{}',
    description text,
    -- Kept as is: signing needs it. Shown to the shop once, never logged.
    secret text NOT NULL,
    -- During a rotation the old secret signs too, until previous_secret_until.
    previous_secret text,
    previous_secret_until timestamptz,
    state text NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'disabled')),
    disabled_reason text,
    -- Set at the first failure after a success; an endpoint failing 5 days is disabled.
    failing_since timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_endpoints_page ON webhook_endpoints (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints USING (tenant_id = jifen_current_tenant());

-- One message to one endpoint. Its id, as `msg_<hex>`, is the `webhook-id` header: the same on
-- every attempt and on replays. `payload` is the exact body sent.
CREATE TABLE webhook_deliveries (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    endpoint_id uuid NOT NULL,
    event_id uuid,
    event_type text NOT NULL,
    payload text NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    -- Attempts before the last replay: a replay starts a fresh retry schedule.
    replayed_after integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- A worker sending it holds it until then; after a crash another may send it again.
    sending_until timestamptz,
    first_attempt_at timestamptz,
    last_status integer,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id)
);
CREATE INDEX webhook_deliveries_page ON webhook_deliveries (tenant_id, created_at DESC, id DESC);
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries USING (tenant_id = jifen_current_tenant());

CREATE TABLE webhook_attempts (
    tenant_id uuid NOT NULL,
    delivery_id uuid NOT NULL,
    number integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    error text,
    -- The start of the response body (1 KiB), for the shop's debugging.
    response text,
    PRIMARY KEY (tenant_id, delivery_id, number),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id)
);
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_attempts USING (tenant_id = jifen_current_tenant());

-- Events are fanned out to the endpoints by a job; `fanned_out_at` marks those done.
ALTER TABLE domain_events ADD COLUMN fanned_out_at timestamptz;
CREATE INDEX domain_events_unsent ON domain_events (tenant_id, created_at, id) WHERE fanned_out_at IS NULL;

-- Every new event asks for a fan-out job, once per batch: an unrelayed request already
-- waiting in the outbox covers it.
CREATE FUNCTION jifen_request_fanout() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO outbox (tenant_id, kind, payload)
    SELECT DISTINCT n.tenant_id, 'events.fanout', '{}'::jsonb FROM new_events n
    WHERE NOT EXISTS (
        SELECT 1 FROM outbox o
        WHERE o.tenant_id = n.tenant_id AND o.relayed_at IS NULL AND o.kind = 'events.fanout'
    );
    RETURN NULL;
END $$;
CREATE TRIGGER domain_events_fanout AFTER INSERT ON domain_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION jifen_request_fanout();

-- The shop's secrets for webhooks it sends us. The previous one still verifies until
-- previous_secret_until (a rotation in progress).
CREATE TABLE inbound_integrations (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    kind text NOT NULL CHECK (kind IN ('shopify', 'standard')),
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, kind)
);
ALTER TABLE inbound_integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_integrations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbound_integrations USING (tenant_id = jifen_current_tenant());

-- Webhook ids already received: a redelivery changes nothing.
CREATE TABLE inbound_webhooks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    kind text NOT NULL,
    webhook_id text NOT NULL,
    topic text,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, kind, webhook_id)
);
ALTER TABLE inbound_webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbound_webhooks USING (tenant_id = jifen_current_tenant());
