-- psql script for `make bench` (scripts/bench/run.sh part (g), tenants.sh parts (e) and (f)):
-- order → points latency of one tenant's orders whose external id starts with ':prefix-', from
-- the order's `created_at` (written in the API's transaction) to its `earn` ledger entry's.
-- Prints one line "p50 p99 max count" (milliseconds; count = orders with their earn entry).
-- Variables: psql -v tenant=<uuid> -v prefix=<external id prefix>, as the application role.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL app.tenant_id = :'tenant';
SELECT coalesce(round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms))::text, '-') || ' '
       || coalesce(round(percentile_disc(0.99) WITHIN GROUP (ORDER BY ms))::text, '-') || ' '
       || coalesce(round(max(ms))::text, '-') || ' ' || count(*)
FROM (SELECT extract(epoch FROM e.created_at - o.created_at) * 1000 AS ms
      FROM orders o JOIN ledger_entries e
        ON e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn'
      WHERE o.external_id LIKE :'prefix' || '-%') x;
COMMIT;
