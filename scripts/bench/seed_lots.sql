-- psql script for `make bench` (scripts/bench/expiry.sh): :tenants tenants named ':prefix-N',
-- 10 members each, and :lots lots per tenant, all past their expiry (every third one partly
-- spent), with balances that match. Run as the superuser (deploy/local/services.sh psql): it
-- writes across tenants. Prints the tenant ids.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_tenants ON COMMIT DROP AS
    SELECT gen_random_uuid() AS id, g FROM generate_series(1, :tenants) g;
INSERT INTO tenants (id, name) SELECT id, :'prefix' || '-' || g FROM bench_tenants;
CREATE TEMP TABLE bench_members ON COMMIT DROP AS
    SELECT t.id AS tenant_id, gen_random_uuid() AS id, 'm' || k AS external_id
    FROM bench_tenants t, generate_series(1, 10) k;
INSERT INTO members (tenant_id, id, external_id) SELECT tenant_id, id, external_id FROM bench_members;
INSERT INTO point_lots (tenant_id, id, member_id, source, points, remaining, state, earned_at, available_at,
                        expires_at)
    SELECT m.tenant_id, gen_random_uuid(), m.id, 'adjustment', 100, CASE WHEN k % 3 = 0 THEN 40 ELSE 100 END,
           'available', now() - interval '400 days', now() - interval '400 days', now() - interval '1 day'
    FROM bench_members m, generate_series(1, greatest(1, :lots / 10)) k;
INSERT INTO balances (tenant_id, member_id, available, lifetime_earned)
    SELECT m.tenant_id, m.id, sum(l.remaining), sum(l.points)
    FROM bench_members m JOIN point_lots l ON l.tenant_id = m.tenant_id AND l.member_id = m.id
    GROUP BY m.tenant_id, m.id;
SELECT id FROM bench_tenants ORDER BY g;
COMMIT;
