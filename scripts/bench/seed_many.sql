-- psql script for `make bench` (scripts/bench/tenants.sh), part (e): :tenants quiet tenants named
-- ':prefix-N', 10 members each with one lot of 100 points and a balance that matches. Their due
-- work is spread over the next day: every lot expires at a random time within 24 hours, and every
-- tenth tenant also has a pending lot released at a random time within 24 hours; in 1 % of the
-- tenants one lot is already past its expiry (due at the first sweep). Run as the superuser
-- (deploy/local/services.sh psql): it writes across tenants. Prints how many tenants.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_tenants ON COMMIT DROP AS
    SELECT gen_random_uuid() AS id, g FROM generate_series(1, :tenants) g;
INSERT INTO tenants (id, name) SELECT id, :'prefix' || '-' || g FROM bench_tenants;
CREATE TEMP TABLE bench_members ON COMMIT DROP AS
    SELECT t.id AS tenant_id, t.g, gen_random_uuid() AS id, k, 'm' || k AS external_id
    FROM bench_tenants t, generate_series(1, 10) k;
INSERT INTO members (tenant_id, id, external_id) SELECT tenant_id, id, external_id FROM bench_members;
INSERT INTO point_lots (tenant_id, id, member_id, source, points, remaining, state, earned_at, available_at,
                        expires_at)
    SELECT m.tenant_id, gen_random_uuid(), m.id, 'adjustment', 100, 100, 'available',
           now() - interval '300 days', now() - interval '300 days',
           CASE WHEN m.g % 100 = 0 AND m.k = 1 THEN now() - interval '1 hour'
                ELSE now() + random() * interval '24 hours' END
    FROM bench_members m;
INSERT INTO point_lots (tenant_id, id, member_id, source, points, remaining, state, earned_at, available_at,
                        expires_at)
    SELECT m.tenant_id, gen_random_uuid(), m.id, 'adjustment', 50, 50, 'pending',
           now() - interval '1 day', now() + random() * interval '24 hours', NULL
    FROM bench_members m WHERE m.g % 10 = 0 AND m.k = 2;
INSERT INTO balances (tenant_id, member_id, available, pending, lifetime_earned)
    SELECT m.tenant_id, m.id,
           coalesce(sum(l.remaining) FILTER (WHERE l.state = 'available'), 0),
           coalesce(sum(l.remaining) FILTER (WHERE l.state = 'pending'), 0),
           sum(l.points)
    FROM bench_members m JOIN point_lots l ON l.tenant_id = m.tenant_id AND l.member_id = m.id
    GROUP BY m.tenant_id, m.id;
SELECT count(*) FROM bench_tenants;
COMMIT;
