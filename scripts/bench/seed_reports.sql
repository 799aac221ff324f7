-- psql script for `make bench` (scripts/bench/reports.sh), part (h): the history of one fresh
-- tenant, set-based, for the reports benchmark. :days days ending yesterday (in :zone, the
-- program's zone), :members members and :orders paid orders (paid_at spread over the days, with
-- two Singles' Day peaks: :peak of the orders land on 11-11 of each year in the range), each
-- with its lot (points = amount / 100, expiring 365 days after it was earned) and what became
-- of it, as the application would have written it, each entry dated by its business time:
--   earn      one per order (30 % of them pending for 7 days, then a `release`)
--   hold + redeem       a redemption captured from 60 % of the lots (30-100 % of their points)
--   hold + hold_release a hold that lapsed, on 6 % of the lots
--   reverse   5 % of the orders refunded (70 % fully, 30 % half), source 'refund'
--   expire    what is left of a lot once its 365 days are over
-- ≈ 1,000,000 ledger entries with the defaults (330,000 orders). Lots, redemptions, refunds,
-- balances and the members' order stats match the entries (holds all resolved, no debt).
-- Rows are written in time order, as a live ledger grows.
--
-- Run as the superuser (deploy/local/services.sh psql: row-level security does not apply).
-- Variables: psql -v tenant=<uuid> -v zone=<zone> -v days=730 -v members=20000 -v orders=330000
-- -v peak=0.05. Prints "<entries> <orders> <members> <busiest day> <its entries> <member external id>".
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '256MB';
SET LOCAL synchronous_commit = off;
SELECT setseed(0.4242) \gset
-- Keep any running scheduler off this tenant until reports.sh has timed its aggregation (first:
-- this transaction takes its locks early, a concurrent migration waits instead of deadlocking).
INSERT INTO report_progress (tenant_id, due_at) VALUES (:'tenant', now() + interval '1 day')
    ON CONFLICT (tenant_id) DO UPDATE SET aggregated_through = NULL, due_at = excluded.due_at;

CREATE TEMP TABLE bench_bounds ON COMMIT DROP AS
    SELECT today, (today::timestamp AT TIME ZONE :'zone') AS today_start,
           ((today - :days)::timestamp AT TIME ZONE :'zone') AS first_start,
           ARRAY(SELECT (make_date(y, 11, 11)::timestamp AT TIME ZONE :'zone')
                 FROM generate_series(extract(year FROM today - :days)::int, extract(year FROM today)::int) y
                 WHERE make_date(y, 11, 11) BETWEEN today - :days AND today - 1) AS peaks
    FROM (SELECT (now() AT TIME ZONE :'zone')::date AS today) t;

CREATE TEMP TABLE bench_members ON COMMIT DROP AS
    SELECT g AS k, gen_random_uuid() AS id, 'rm' || lpad(g::text, 6, '0') AS external_id,
           b.first_start - random() * interval '90 days' AS created_at
    FROM bench_bounds b, generate_series(1, :members) g;
CREATE UNIQUE INDEX ON bench_members (k);

-- One row per order with everything that happens to it and its lot.
CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
WITH base AS (
    SELECT g,
           1 + floor(:members * power(random(), 2))::int AS k,
           CASE WHEN cardinality(b.peaks) > 0 AND random() < :peak
                THEN b.peaks[1 + floor(random() * cardinality(b.peaks))::int] + random() * interval '1 day'
                ELSE b.first_start + random() * (b.today_start - b.first_start) END AS paid_at,
           (1000 + floor(random() * random() * 60000))::bigint AS amount,
           random() < 0.30 AS pending,
           random() AS r_refund, random() AS r_full, random() AS r_refund_at,
           random() AS r_redeem, random() AS r_redeem_share, random() AS r_hold_at, random() AS r_capture,
           random() AS r_lapse, random() AS r_lapse_at, random() AS r_expire,
           (ARRAY['服装', '美妆', '食品', 'electronics', '母婴', 'home'])[1 + floor(random() * 6)::int] AS cat1,
           (ARRAY['服装', '美妆', '食品', 'electronics', '母婴', 'home'])[1 + floor(random() * 6)::int] AS cat2,
           random() < 0.4 AS two_lines,
           b.today_start
    FROM bench_bounds b, generate_series(1, :orders) g
), timed AS (
    SELECT base.*, gen_random_uuid() AS id, gen_random_uuid() AS lot_id, m.id AS member_id,
           amount / 100 AS points,
           paid_at - (1 + r_capture * 9) * interval '1 minute' AS placed_at,
           paid_at + CASE WHEN pending THEN interval '7 days' ELSE interval '0' END AS available_at,
           paid_at + interval '365 days' AS expires_at
    FROM base JOIN bench_members m ON m.k = base.k
), fates AS (
    SELECT timed.*,
           available_at < today_start AS released,
           -- redemptions and lapsed holds happen while the lot is available, before it expires and before today
           least(expires_at, today_start) - available_at AS span,
           CASE WHEN r_refund < 0.05 AND available_at + (1 + r_refund_at * 29) * interval '1 day' < today_start
                THEN available_at + (1 + r_refund_at * 29) * interval '1 day' END AS refund_at
    FROM timed
), redeemed AS (
    SELECT fates.*,
           CASE WHEN refund_at IS NULL AND r_redeem < 0.60 AND span > interval '2 hours'
                THEN available_at + r_hold_at * (span - interval '2 hours') END AS hold_at,
           CASE WHEN refund_at IS NULL AND r_redeem < 0.60 AND span > interval '2 hours'
                THEN greatest(1, floor(points * (0.3 + 0.7 * r_redeem_share)))::bigint END AS redeemed,
           CASE WHEN refund_at IS NOT NULL
                THEN CASE WHEN r_full < 0.7 THEN points ELSE points / 2 END END AS reversed
    FROM fates
)
SELECT redeemed.*,
       hold_at + (5 + r_capture * 50) * interval '1 minute' AS captured_at,
       CASE WHEN refund_at IS NULL AND r_lapse < 0.06 AND span > interval '2 hours'
                 AND points - coalesce(redeemed, 0) >= 2
            THEN available_at + r_lapse_at * (span - interval '2 hours') END AS lapse_at,
       CASE WHEN refund_at IS NULL AND r_lapse < 0.06 AND span > interval '2 hours'
                 AND points - coalesce(redeemed, 0) >= 2
            THEN (points - coalesce(redeemed, 0)) / 2 END AS lapsed,
       CASE WHEN expires_at + r_expire * interval '5 minutes' < today_start
                 AND points - coalesce(redeemed, 0) - coalesce(reversed, 0) > 0
            THEN expires_at + r_expire * interval '5 minutes' END AS expire_at,
       CASE WHEN expires_at + r_expire * interval '5 minutes' < today_start
            THEN points - coalesce(redeemed, 0) - coalesce(reversed, 0) ELSE 0 END AS expired,
       -- the sweep marks every lot past its expiry, spent ones too (an entry only for what was left)
       expires_at + r_expire * interval '5 minutes' < today_start AS lot_expired
FROM redeemed;

INSERT INTO members (tenant_id, id, external_id, name, created_at, updated_at, order_count, total_spend,
                     first_order_at, last_order_at)
    SELECT :'tenant', m.id, m.external_id, '会员 ' || m.k, m.created_at, coalesce(s.last_at, m.created_at),
           coalesce(s.orders, 0), coalesce(s.spend, 0), s.first_at, s.last_at
    FROM bench_members m
    LEFT JOIN (SELECT member_id, count(*) FILTER (WHERE reversed IS DISTINCT FROM points)::int AS orders,
                      sum(amount - CASE WHEN reversed = points THEN amount
                                        WHEN reversed IS NOT NULL THEN amount / 2 ELSE 0 END)::bigint AS spend,
                      min(placed_at) AS first_at, max(placed_at) AS last_at
               FROM bench_orders GROUP BY member_id) s ON s.member_id = m.id
    ORDER BY m.created_at;

INSERT INTO orders (tenant_id, id, external_id, member_id, currency, amount, status, placed_at, paid_at,
                    refunded_at, lines, qualifies_at, created_at, updated_at)
    SELECT :'tenant', o.id, 'ro' || lpad(o.g::text, 7, '0'), o.member_id, 'CNY', o.amount,
           CASE WHEN o.reversed = o.points THEN 'refunded' ELSE 'paid' END, o.placed_at, o.paid_at,
           CASE WHEN o.reversed = o.points THEN o.refund_at END,
           CASE WHEN o.two_lines THEN
               jsonb_build_array(
                   jsonb_build_object('sku', 'SKU-' || (o.g % 997), 'category', o.cat1, 'name', o.cat1 || ' 商品',
                                      'quantity', 1, 'unit_amount', o.amount - o.amount / 3),
                   jsonb_build_object('sku', 'SKU-' || (o.g % 991), 'category', o.cat2, 'quantity', 1,
                                      'unit_amount', o.amount / 3))
           ELSE
               jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (o.g % 997), 'category', o.cat1,
                                                    'name', o.cat1 || ' 商品', 'quantity', 1, 'unit_amount', o.amount))
           END,
           o.paid_at, o.placed_at, coalesce(CASE WHEN o.reversed = o.points THEN o.refund_at END, o.paid_at)
    FROM bench_orders o ORDER BY o.placed_at;

INSERT INTO point_lots (tenant_id, id, member_id, source, order_id, points, remaining, state, earned_at,
                        available_at, expires_at, created_at, program_version)
    SELECT :'tenant', o.lot_id, o.member_id, 'order', o.id, o.points,
           o.points - coalesce(o.redeemed, 0) - coalesce(o.reversed, 0) - o.expired,
           CASE WHEN NOT o.released THEN 'pending' WHEN o.lot_expired THEN 'expired' ELSE 'available' END,
           o.paid_at, o.available_at, o.expires_at, o.paid_at, 0
    FROM bench_orders o ORDER BY o.paid_at;

INSERT INTO refunds (tenant_id, id, order_id, external_id, amount, points_clawed_back, applied_at, created_at)
    SELECT :'tenant', gen_random_uuid(), o.id, 'rf-' || o.g,
           CASE WHEN o.reversed = o.points THEN o.amount ELSE o.amount / 2 END, o.reversed, o.refund_at, o.refund_at
    FROM bench_orders o WHERE o.refund_at IS NOT NULL ORDER BY o.refund_at;

CREATE TEMP TABLE bench_redemptions ON COMMIT DROP AS
    SELECT o.g, o.member_id, o.lot_id, gen_random_uuid() AS id, o.redeemed AS points, 'captured' AS state,
           o.hold_at AS created_at, o.captured_at AS done_at
    FROM bench_orders o WHERE o.hold_at IS NOT NULL
    UNION ALL
    SELECT o.g, o.member_id, o.lot_id, gen_random_uuid(), o.lapsed, 'expired', o.lapse_at, o.lapse_at + interval '1 hour'
    FROM bench_orders o WHERE o.lapse_at IS NOT NULL;

INSERT INTO redemptions (tenant_id, id, member_id, points, value_amount, currency, order_reference, state,
                         program_version, expires_at, created_at, captured_at, released_at)
    SELECT :'tenant', r.id, r.member_id, r.points, r.points, 'CNY',
           CASE WHEN r.state = 'captured' THEN 'ro-x' || r.g END, r.state, 0, r.created_at + interval '1 hour',
           r.created_at, CASE WHEN r.state = 'captured' THEN r.done_at END,
           CASE WHEN r.state = 'expired' THEN r.done_at END
    FROM bench_redemptions r ORDER BY r.created_at;

-- The ledger, in time order.
INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, pending_delta, lot_id, order_id,
                            idempotency_key, created_at, source, source_ref, program_version, reason, lots)
SELECT :'tenant', e.member_id, e.kind, e.available_delta, e.pending_delta, e.lot_id, e.order_id,
       e.key, e.at, e.source, e.source_ref, 0, e.reason,
       jsonb_build_array(jsonb_build_object('lot_id', e.touched_lot, 'points', e.touched))
FROM (
    SELECT o.member_id, 'earn' AS kind, CASE WHEN o.pending THEN 0 ELSE o.points END AS available_delta,
           CASE WHEN o.pending THEN o.points ELSE 0 END AS pending_delta, o.lot_id, o.id AS order_id,
           'order:' || o.id || ':earn' AS key, o.paid_at AS at, 'order' AS source, NULL AS source_ref,
           NULL AS reason, o.lot_id AS touched_lot, o.points AS touched
    FROM bench_orders o
    UNION ALL
    SELECT o.member_id, 'release', o.points, -o.points, o.lot_id, o.id, 'lot:' || o.lot_id || ':release',
           o.available_at, 'release', NULL, NULL, o.lot_id, o.points
    FROM bench_orders o WHERE o.pending AND o.released
    UNION ALL
    SELECT o.member_id, 'reverse', -o.reversed, 0, NULL, o.id, 'refund:' || o.id || ':rf-' || o.g,
           o.refund_at, 'refund', 'rf-' || o.g, NULL, o.lot_id, o.reversed
    FROM bench_orders o WHERE o.refund_at IS NOT NULL
    UNION ALL
    SELECT r.member_id, 'hold', -r.points, 0, NULL, NULL, 'redemption:' || r.id || ':hold', r.created_at,
           'redemption', r.id::text, NULL, r.lot_id, r.points
    FROM bench_redemptions r
    UNION ALL
    SELECT r.member_id, CASE WHEN r.state = 'captured' THEN 'redeem' ELSE 'hold_release' END,
           CASE WHEN r.state = 'captured' THEN 0 ELSE r.points END, 0, NULL, NULL,
           'redemption:' || r.id || CASE WHEN r.state = 'captured' THEN ':capture' ELSE ':release' END,
           r.done_at, 'redemption', r.id::text, NULL, r.lot_id, r.points
    FROM bench_redemptions r
    UNION ALL
    SELECT o.member_id, 'expire', -o.expired, 0, o.lot_id, o.id, 'lot:' || o.lot_id || ':expire', o.expire_at,
           'expiry', NULL, 'expiry_date', o.lot_id, o.expired
    FROM bench_orders o WHERE o.expire_at IS NOT NULL
) e
ORDER BY e.at;

INSERT INTO balances (tenant_id, member_id, available, pending, lifetime_earned, lifetime_redeemed,
                      lifetime_expired, lifetime_reversed, last_earned_at, updated_at)
    SELECT :'tenant', m.id, coalesce(s.available, 0), coalesce(s.pending, 0), coalesce(s.earned, 0),
           coalesce(s.redeemed, 0), coalesce(s.expired, 0), coalesce(s.reversed, 0), s.last_earned,
           coalesce(s.last_at, m.created_at)
    FROM bench_members m
    LEFT JOIN (
        SELECT member_id,
               sum(CASE WHEN released AND NOT lot_expired
                        THEN points - coalesce(redeemed, 0) - coalesce(reversed, 0) ELSE 0 END)::bigint AS available,
               sum(CASE WHEN NOT released THEN points ELSE 0 END)::bigint AS pending,
               sum(points)::bigint AS earned, sum(coalesce(redeemed, 0))::bigint AS redeemed,
               sum(expired)::bigint AS expired, sum(coalesce(reversed, 0))::bigint AS reversed,
               max(paid_at) AS last_earned,
               greatest(max(paid_at), max(captured_at), max(expire_at), max(refund_at)) AS last_at
        FROM bench_orders GROUP BY member_id
    ) s ON s.member_id = m.id;

SELECT (SELECT count(*) FROM ledger_entries WHERE tenant_id = :'tenant') || ' ' ||
       (SELECT count(*) FROM bench_orders) || ' ' || (SELECT count(*) FROM bench_members) || ' ' ||
       busiest.day || ' ' || busiest.entries || ' ' ||
       (SELECT m.external_id FROM bench_members m JOIN bench_orders o ON o.member_id = m.id
        GROUP BY m.external_id ORDER BY count(*) DESC, m.external_id LIMIT 1)
FROM (SELECT (created_at AT TIME ZONE :'zone')::date AS day, count(*) AS entries
      FROM ledger_entries WHERE tenant_id = :'tenant'
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1) busiest;
COMMIT;
