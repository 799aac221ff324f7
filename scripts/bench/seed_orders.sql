-- psql script for `make bench` (scripts/bench/run.sh), part (b): N paid orders for one tenant
-- in one transaction, with exactly the rows the API writes for each (a member from a pool of
-- 1000 as ensureMember creates it, the order, an `order.score` outbox row with the payload
-- enqueueScoring writes), so the workers find a backlog of N jobs.
-- Variables: psql -v tenant=<uuid> -v n=<count>.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL app.tenant_id = :'tenant';
INSERT INTO members (tenant_id, external_id)
    SELECT :'tenant', 'm' || g FROM generate_series(1, least(:n, 1000)) g
    ON CONFLICT (tenant_id, external_id) DO NOTHING;
WITH new_orders AS (
    INSERT INTO orders (tenant_id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                        cancelled_at, refunded_at, lines)
    SELECT :'tenant', 'e2e-' || g, m.id, 'CNY', 25900, 'paid', '2026-11-30T08:15:00Z', clock_timestamp(),
           NULL, NULL,
           '[{"sku":"TEA-01","category":"tea","quantity":2,"unit_amount":12000},{"sku":"SHIP","category":"shipping","quantity":1,"unit_amount":1900}]'::jsonb
    FROM generate_series(1, :n) g
    JOIN members m ON m.tenant_id = :'tenant' AND m.external_id = 'm' || (1 + (g - 1) % 1000)
    ORDER BY g
    RETURNING id, external_id
)
INSERT INTO outbox (tenant_id, kind, payload)
    SELECT :'tenant', 'order.score', jsonb_build_object('order_id', id::text, 'status', 'paid')
    FROM new_orders ORDER BY substr(external_id, 5)::int;
SELECT count(*) AS orders FROM orders;
COMMIT;
