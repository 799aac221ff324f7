-- Shopify signs only the body of a webhook, not its id or topic: a captured body and signature
-- could be sent again under a new X-Shopify-Webhook-Id (or another topic) and pass. The digest
-- of every signed body received is kept, and a body seen before is a duplicate whatever id it
-- comes with. (Standard Webhooks sign the id and a timestamp, so their id suffices.)
ALTER TABLE inbound_webhooks ADD COLUMN body_digest bytea;
CREATE UNIQUE INDEX inbound_webhooks_body ON inbound_webhooks (tenant_id, kind, body_digest)
    WHERE body_digest IS NOT NULL;
