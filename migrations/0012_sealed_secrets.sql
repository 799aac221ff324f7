-- Webhook secrets sealed at rest: AES-256-GCM under the operator's SECRETS_KEY (SecretBox), so
-- a dump of the database forges nothing, in either direction. Each sealed value names its key,
-- so `jifen secrets rotate` can move rows to a new key while the old one still opens them.
--
-- SQL cannot seal with a key it never sees: this migration only makes room. `jifen migrate`
-- then seals, in Swift, every secret still in the plain-text columns and empties them; new
-- code writes only the sealed columns (and reads a plain one only if older code wrote it during
-- a rolling deploy, until the next `jifen migrate` or `jifen secrets rotate` seals it).
-- The plain-text columns go in a later release, once no running code writes them.

ALTER TABLE webhook_endpoints
    ALTER COLUMN secret DROP NOT NULL,
    ADD COLUMN secret_sealed bytea,
    ADD COLUMN previous_secret_sealed bytea,
    ADD CONSTRAINT webhook_endpoints_has_secret CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL);

ALTER TABLE inbound_integrations
    ALTER COLUMN secret DROP NOT NULL,
    ADD COLUMN secret_sealed bytea,
    ADD COLUMN previous_secret_sealed bytea,
    ADD CONSTRAINT inbound_integrations_has_secret CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL);
