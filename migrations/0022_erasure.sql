-- Erasure of a member's personal data (PIPL art. 47, GDPR art. 17) and what must survive it
-- (docs/privacy.md): the member row stays (the ledger, lots, orders and reports point at its
-- id) but loses its email, phone, name, tags and external id, which becomes a random token.
--
-- Fraud checks still need to recognise the person: the email and phone are kept as keyed
-- hashes (HMAC-SHA-256) under a per-tenant key that is itself sealed with SECRETS_KEY
-- (SecretBox), so a dump of the database alone cannot brute-force a phone number from them.
-- SQL never sees that key, so this migration cannot backfill the hashes: every profile write
-- stores them from now on, an erasure computes them from the plain values it clears, and the
-- referral check hashes a plain value itself when a row has no hash yet (docs/privacy.md).

ALTER TABLE members
    ADD COLUMN email_hash bytea,
    ADD COLUMN phone_hash bytea,
    ADD COLUMN erased_at timestamptz;

-- The per-tenant HMAC key, sealed (context `member_hash_keys:<tenant>:key`). Created the first
-- time a tenant needs it; never changes afterwards (a rotation of SECRETS_KEY re-seals it).
CREATE TABLE member_hash_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    key_sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id)
);
ALTER TABLE member_hash_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_hash_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON member_hash_keys USING (tenant_id = jifen_current_tenant());

-- One row per external id ever erased, by its keyed hash (never the id itself): whether the
-- shop may give that id to a new member, and the erasure record a repeated DELETE answers with.
CREATE TABLE member_erasures (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    external_id_hash bytea NOT NULL,
    member_id uuid NOT NULL,
    token text NOT NULL,
    allow_reuse boolean NOT NULL,
    erased_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, external_id_hash),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX member_erasures_member ON member_erasures (tenant_id, member_id);
-- Creating a member asks "has this tenant refused the reuse of any id?" first: one index probe,
-- so a tenant that never erased pays nothing more per new member.
CREATE INDEX member_erasures_refused ON member_erasures (tenant_id) WHERE NOT allow_reuse;
ALTER TABLE member_erasures ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_erasures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON member_erasures USING (tenant_id = jifen_current_tenant());

-- An erasure rewrites the member's id inside the events and webhook deliveries that name it
-- (and the referral events of the other party), found through the event they copy.
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (tenant_id, event_id) WHERE event_id IS NOT NULL;

-- `body` with every `olds[i]` replaced by `news[i]`, in order.
CREATE FUNCTION jifen_replace_all(body text, olds text[], news text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(olds, 1), 0) LOOP
        body := replace(body, olds[i], news[i]);
    END LOOP;
    RETURN body;
END $$;

-- Whether `body` contains any of `needles` (literally: no LIKE patterns, as ids contain `_`).
CREATE FUNCTION jifen_contains_any(body text, needles text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM unnest(needles) n WHERE strpos(body, n) > 0) $$;
