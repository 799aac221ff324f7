-- API processes keep the keys they authenticated in memory (docs/security.md, "API keys"): a
-- revoked key, or a tenant whose rate limit changed, must reach every process at once. These
-- triggers tell them: each change to a key's secret or revocation, and each change to a tenant,
-- sends the tenant's id on the channel `jifen_api_keys` when its transaction commits. A process
-- that is not listening does not cache (JifenAPI's KeyCache), so a lost notification cannot keep
-- a revoked key alive.
--
-- `UPDATE OF revoked_at, secret_hash`: authentication's own `last_used_at` refresh sends nothing.
CREATE FUNCTION jifen_notify_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('jifen_api_keys', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END::text);
    ELSE
        PERFORM pg_notify('jifen_api_keys',
                          CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_change
    AFTER UPDATE OF revoked_at, secret_hash OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION jifen_notify_key_change();

CREATE TRIGGER tenants_notify_change
    AFTER UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION jifen_notify_key_change();
