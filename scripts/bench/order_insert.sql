-- pgbench script for `make bench` (scripts/bench/run.sh): the write transaction `jifen serve`
-- runs for a new paid order (TenantConnection.recordOrder: ensureMember, the order insert,
-- enqueueScoring), as the application role under row-level security, one statement per round
-- trip like the API. Run with -M extended (PostgresNIO's protocol), -D tenant=<uuid> and
-- -D k=0 (a per-client counter: external ids are unique within the tenant).
-- Not included (the API does them too): the API-key lookup transaction and reading the order
-- back with its points.
\set k :k + 1
\set m random(1, 1000)
BEGIN;
SELECT set_config('app.tenant_id', :tenant, true);
INSERT INTO members (tenant_id, external_id) VALUES (:tenant, 'm' || :m)
    ON CONFLICT (tenant_id, external_id) DO UPDATE SET external_id = EXCLUDED.external_id
    RETURNING id AS member_id \gset
INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                    cancelled_at, refunded_at, lines)
    VALUES (:tenant, 'pgb-' || :client_id || '-' || :k, :member_id, 'CNY', 25900, 'paid',
            '2026-11-30T08:15:00Z', now(), NULL, NULL,
            '[{"sku":"TEA-01","category":"tea","quantity":2,"unit_amount":12000},{"sku":"SHIP","category":"shipping","quantity":1,"unit_amount":1900}]'::jsonb)
    ON CONFLICT (tenant_id, external_id) DO NOTHING
    RETURNING id AS order_id \gset
INSERT INTO outbox (tenant_id, kind, payload)
    VALUES (:tenant, 'order.score', jsonb_build_object('order_id', :order_id::text, 'status', 'paid'));
COMMIT;
