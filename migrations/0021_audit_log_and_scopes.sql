-- The audit log and API key scopes (docs/security.md).
--
-- Scopes: what a key may do, checked per operation from the spec's `security` (each tenant
-- operation names the one scope it needs). Keys issued before scopes existed keep every scope,
-- so no integration breaks on upgrade; new keys name theirs.
ALTER TABLE api_keys
    ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['read', 'write', 'webhooks', 'imports', 'admin'],
    ADD CONSTRAINT api_keys_scopes_known CHECK (
        scopes <@ ARRAY['read', 'write', 'webhooks', 'imports', 'admin'] AND cardinality(scopes) > 0
    );

-- Every administrative change of a tenant: who (a key, a console user, the operator, or Jifen
-- itself), when, in which request, what, and the parts of the thing that changed (before and
-- after, only the fields that differ). Append-only like the ledger: written in the same
-- transaction as the change it describes, never updated or deleted.
CREATE TABLE audit_log (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_kind text NOT NULL CHECK (actor_kind IN ('api_key', 'operator', 'console', 'system')),
    actor_id text,
    actor_name text,
    request_id text,
    action text NOT NULL,
    target_kind text NOT NULL,
    target_id text,
    before jsonb,
    after jsonb,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_page ON audit_log (tenant_id, created_at DESC, id DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();

-- The part of `a` that differs from `b`: for two objects, the keys whose values differ (nested
-- objects compared the same way) and the keys `b` lacks; anything else is `a` itself. An audit
-- entry stores (changed(before, after), changed(after, before)): the diff, both ways.
CREATE FUNCTION jifen_jsonb_changed(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF a IS NULL THEN RETURN NULL; END IF;
    IF b IS NULL OR jsonb_typeof(a) <> 'object' OR jsonb_typeof(b) <> 'object' THEN RETURN a; END IF;
    RETURN coalesce((
        SELECT jsonb_object_agg(key, CASE WHEN b ? key THEN jifen_jsonb_changed(a -> key, b -> key) ELSE a -> key END)
        FROM jsonb_object_keys(a) AS key
        WHERE NOT (b ? key) OR a -> key IS DISTINCT FROM b -> key
    ), '{}'::jsonb);
END $$;
