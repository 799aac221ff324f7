-- Reports: per-tenant daily aggregates the workers compute once a day has ended in the
-- program's zone (docs/reports.md). Every figure is a sum over days, so a report for any range
-- reads a few hundred rows whatever the ledger's size; days not aggregated yet (today) are
-- computed live by the same functions. Aggregating a range of days deletes its rows and writes
-- them again in one transaction: idempotent, and resumable after a crash at any point.
--
-- Time axis: a ledger entry is dated by the `now` of the operation that wrote it (the store
-- passes it as created_at, as wallet entries, refunds and claims already were), so history
-- written with a moved clock or imported lands on its own days.

-- Aggregation reads one day of a tenant's entries and paid orders: by time, not by member.
-- Built inside the migration's transaction they block writes while they build; on a big
-- database build them first by hand with CREATE INDEX CONCURRENTLY and the same definition.
CREATE INDEX IF NOT EXISTS ledger_entries_time ON ledger_entries (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS orders_paid ON orders (tenant_id, paid_at) WHERE paid_at IS NOT NULL;
-- Campaign grants per campaign: few entries among many, found without reading the others.
CREATE INDEX IF NOT EXISTS ledger_entries_campaign ON ledger_entries (tenant_id, created_at)
    WHERE source = 'campaign';

-- Where each tenant's aggregation stands: days up to `aggregated_through` (in `zone`) are
-- stored; the worker looks again at `due_at` (the end of the next day plus a grace period), so
-- a quiet tenant costs one short job a day and nothing in between.
CREATE TABLE report_progress (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    zone text NOT NULL DEFAULT 'UTC',
    aggregated_through date,
    due_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX report_progress_due ON report_progress (due_at);

-- Points per day, kind and source (the entry's kind, with negative adjustments as 'deduct'). `held` is the change to points held by redemptions (a hold
-- adds, a capture or release takes); `debt` is what the entry changed that no lot carries:
-- clawbacks beyond the member's lots (negative) and their repayment (positive), so
-- available + pending + held + (−debt) is what the lots and holds carry.
CREATE TABLE report_points_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    entries bigint NOT NULL,
    available bigint NOT NULL,
    pending bigint NOT NULL,
    held bigint NOT NULL,
    debt bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, kind, source)
);

-- Points still owed (in a lot or held), moved per day by the month their lot was earned in and
-- the month it expires in ('infinity': no fixed expiry): liability by expiry month, and the
-- fate of each month's points (breakage).
CREATE TABLE report_lots_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    kind text NOT NULL,
    earned_month date NOT NULL,
    expiry_month date NOT NULL,
    points bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, kind, earned_month, expiry_month)
);

-- Paid orders and refunds per day and currency.
CREATE TABLE report_orders_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    currency text NOT NULL,
    orders bigint NOT NULL,
    amount bigint NOT NULL,
    refunds bigint NOT NULL,
    refunded bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, currency)
);

-- Money per day, currency and wallet entry kind.
CREATE TABLE report_wallet_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    currency text NOT NULL,
    kind text NOT NULL,
    entries bigint NOT NULL,
    principal bigint NOT NULL,
    bonus bigint NOT NULL,
    held bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, currency, kind)
);

-- Everything else counted per day: `metric` names it, `dimension` splits it (a reason, a
-- template, a tier move 'from>to', a campaign), `amount` is points or minor units.
CREATE TABLE report_counts_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    metric text NOT NULL,
    dimension text NOT NULL DEFAULT '',
    count bigint NOT NULL,
    amount bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, metric, dimension)
);

-- Who ordered in which period (p: 'd', 'w' ISO week from Monday, 'm'): active members are a
-- distinct count, which no sum of days gives.
CREATE TABLE report_active_members (
    tenant_id uuid NOT NULL,
    period text NOT NULL CHECK (period IN ('d', 'w', 'm')),
    start date NOT NULL,
    member_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, period, start, member_id)
);

-- How many members were active in each stored period: a period the workers have finished is
-- read from here instead of counting its members again.
CREATE TABLE report_active_counts (
    tenant_id uuid NOT NULL,
    period text NOT NULL CHECK (period IN ('d', 'w', 'm')),
    start date NOT NULL,
    members bigint NOT NULL,
    PRIMARY KEY (tenant_id, period, start)
);

-- Each member's first and second paid orders, overall (category '') and per category: cohorts,
-- repeat-purchase rates and the days between first and second order. A refund does not unmake
-- a visit: an order counts from its payment.
CREATE TABLE report_member_orders (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    category text NOT NULL,
    first_at timestamptz NOT NULL,
    first_order uuid NOT NULL,
    second_at timestamptz,
    second_order uuid,
    -- Local days from the first to the second (in the zone of the aggregation that set it).
    gap_days integer,
    PRIMARY KEY (tenant_id, member_id, category)
);
-- Cohorts and category gaps read whole ranges of first orders: the index carries what they
-- count, so the reads need not visit the table.
CREATE INDEX report_member_orders_first ON report_member_orders (tenant_id, category, first_at)
    INCLUDE (second_at, gap_days);

DO $body$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['report_points_daily', 'report_lots_daily', 'report_orders_daily',
                               'report_wallet_daily', 'report_counts_daily', 'report_active_members',
                               'report_active_counts', 'report_member_orders'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tbl);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = jifen_current_tenant())', tbl);
    END LOOP;
END
$body$;
-- Provisioning a tenant (system scope) writes its progress row; the tenant's worker moves it.
ALTER TABLE report_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_progress FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON report_progress
    USING (tenant_id = jifen_current_tenant() OR jifen_system_scope());

-- The zone as reports use it: the program's when PostgreSQL knows it, else UTC (as
-- jifen_zone_or_utc of 0015, which only the due-work function may call).
CREATE FUNCTION jifen_report_zone(zone text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    PERFORM now() AT TIME ZONE zone;
    RETURN zone;
EXCEPTION WHEN OTHERS THEN
    RETURN 'UTC';
END $$;

-- The outstanding points a ledger entry moves, per touched lot: +1 what it adds to a lot, −1 what
-- leaves for good (spent, expired, reversed, repaying debt), 0 what only moves between pending,
-- available and held.
CREATE FUNCTION jifen_report_lot_sign(kind text, available bigint) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE kind
        WHEN 'earn' THEN 1
        WHEN 'adjust' THEN CASE WHEN available > 0 THEN 1 ELSE -1 END
        WHEN 'redeem' THEN -1
        WHEN 'expire' THEN -1
        WHEN 'reverse' THEN -1
        WHEN 'settle' THEN -1
        ELSE 0
    END
$$;

-- One tenant's points figures for the local days of [from_day, to_day] in `zone`.
CREATE FUNCTION jifen_report_points(t uuid, zone text, from_day date, to_day date)
    RETURNS TABLE (day date, kind text, source text, entries bigint, available bigint, pending bigint,
                   held bigint, debt bigint)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (
        SELECT (e.created_at AT TIME ZONE zone)::date AS day, e.kind AS entry_kind,
               CASE WHEN e.kind = 'adjust' AND e.available_delta < 0 THEN 'deduct' ELSE e.kind END AS kind,
               e.source, e.available_delta,
               e.pending_delta, coalesce(tt.total, 0) AS touched,
               CASE e.kind WHEN 'hold' THEN -e.available_delta WHEN 'hold_release' THEN -e.available_delta
                           WHEN 'redeem' THEN -coalesce(tt.total, 0) ELSE 0 END AS held
        FROM ledger_entries e
        CROSS JOIN LATERAL (SELECT sum((x ->> 'points')::bigint) AS total FROM jsonb_array_elements(e.lots) x) tt
        WHERE e.tenant_id = t
          AND e.created_at >= (from_day::timestamp AT TIME ZONE zone)
          AND e.created_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
    )
    SELECT day, kind, source, count(*)::bigint, sum(available_delta)::bigint, sum(pending_delta)::bigint,
           sum(held)::bigint,
           sum(available_delta + pending_delta + held - jifen_report_lot_sign(entry_kind, available_delta) * touched)::bigint
    FROM e GROUP BY day, kind, source
$$;

CREATE FUNCTION jifen_report_lots(t uuid, zone text, from_day date, to_day date)
    RETURNS TABLE (day date, kind text, earned_month date, expiry_month date, points bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT (e.created_at AT TIME ZONE zone)::date,
           CASE WHEN e.kind = 'adjust' AND e.available_delta < 0 THEN 'deduct' ELSE e.kind END,
           date_trunc('month', l.earned_at AT TIME ZONE zone)::date,
           coalesce(date_trunc('month', l.expires_at AT TIME ZONE zone)::date, 'infinity'::date),
           sum(jifen_report_lot_sign(e.kind, e.available_delta) * (x ->> 'points')::bigint)::bigint
    FROM ledger_entries e
    CROSS JOIN LATERAL jsonb_array_elements(e.lots) x
    -- A lookup per touch by primary key: a join would hash every lot of the tenant.
    CROSS JOIN LATERAL (
        SELECT p.earned_at, p.expires_at FROM point_lots p
        WHERE p.tenant_id = e.tenant_id AND p.id = (x ->> 'lot_id')::uuid
    ) l
    WHERE e.tenant_id = t
      AND e.created_at >= (from_day::timestamp AT TIME ZONE zone)
      AND e.created_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
      AND jifen_report_lot_sign(e.kind, e.available_delta) <> 0
    GROUP BY 1, 2, 3, 4
$$;

CREATE FUNCTION jifen_report_orders(t uuid, zone text, from_day date, to_day date)
    RETURNS TABLE (day date, currency text, orders bigint, amount bigint, refunds bigint, refunded bigint)
    LANGUAGE sql STABLE
    AS $$
    WITH paid AS (
        SELECT (o.paid_at AT TIME ZONE zone)::date AS day, o.currency, count(*)::bigint AS orders,
               sum(o.amount)::bigint AS amount
        FROM orders o
        WHERE o.tenant_id = t AND o.paid_at IS NOT NULL
          AND o.paid_at >= (from_day::timestamp AT TIME ZONE zone)
          AND o.paid_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
        GROUP BY 1, 2
    ), refunded AS (
        SELECT (r.created_at AT TIME ZONE zone)::date AS day, o.currency, count(*)::bigint AS refunds,
               sum(r.amount)::bigint AS refunded
        FROM refunds r JOIN orders o ON o.tenant_id = r.tenant_id AND o.id = r.order_id
        WHERE r.tenant_id = t
          AND r.created_at >= (from_day::timestamp AT TIME ZONE zone)
          AND r.created_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
        GROUP BY 1, 2
    )
    SELECT coalesce(p.day, r.day), coalesce(p.currency, r.currency), coalesce(p.orders, 0), coalesce(p.amount, 0),
           coalesce(r.refunds, 0), coalesce(r.refunded, 0)
    FROM paid p FULL JOIN refunded r ON r.day = p.day AND r.currency = p.currency
$$;

CREATE FUNCTION jifen_report_wallet(t uuid, zone text, from_day date, to_day date)
    RETURNS TABLE (day date, currency text, kind text, entries bigint, principal bigint, bonus bigint, held bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT (w.created_at AT TIME ZONE zone)::date, w.currency::text, w.kind, count(*)::bigint,
           sum(w.principal_delta)::bigint, sum(w.bonus_delta)::bigint, sum(w.held_delta)::bigint
    FROM wallet_entries w
    WHERE w.tenant_id = t
      AND w.created_at >= (from_day::timestamp AT TIME ZONE zone)
      AND w.created_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
    GROUP BY 1, 2, 3
$$;

-- Referrals, reward claims, coupons, tier moves, members first seen (who start at the base
-- level: with the moves, the members per tier on any day) and campaign grants. These tables are small
-- beside the ledger; they are read by tenant and time window.
CREATE FUNCTION jifen_report_counts(t uuid, zone text, from_day date, to_day date)
    RETURNS TABLE (day date, metric text, dimension text, count bigint, amount bigint)
    LANGUAGE sql STABLE
    AS $$
    WITH bounds AS (
        SELECT (from_day::timestamp AT TIME ZONE zone) AS lo, ((to_day + 1)::timestamp AT TIME ZONE zone) AS hi
    ), facts(at, metric, dimension, amount) AS (
        SELECT r.created_at, 'referrals.attributed', '', 0::bigint
        FROM referrals r, bounds b WHERE r.tenant_id = t AND r.created_at >= b.lo AND r.created_at < b.hi
        UNION ALL
        SELECT r.created_at, 'referrals.rejected', coalesce(r.reason, ''), 0
        FROM referrals r, bounds b
        WHERE r.tenant_id = t AND r.status = 'rejected' AND r.created_at >= b.lo AND r.created_at < b.hi
        UNION ALL
        SELECT r.rewarded_at, 'referrals.rewarded', '', r.referrer_points + r.referee_points
        FROM referrals r, bounds b
        WHERE r.tenant_id = t AND r.rewarded_at >= b.lo AND r.rewarded_at < b.hi
        UNION ALL
        SELECT c.created_at, 'rewards.claimed', c.reward_id::text, c.points
        FROM reward_claims c, bounds b WHERE c.tenant_id = t AND c.created_at >= b.lo AND c.created_at < b.hi
        UNION ALL
        SELECT c.created_at, 'coupons.issued', c.template_id::text, 0
        FROM coupons c, bounds b WHERE c.tenant_id = t AND c.created_at >= b.lo AND c.created_at < b.hi
        UNION ALL
        SELECT c.redeemed_at, 'coupons.redeemed', c.template_id::text, 0
        FROM coupons c, bounds b WHERE c.tenant_id = t AND c.redeemed_at >= b.lo AND c.redeemed_at < b.hi
        UNION ALL
        SELECT c.expired_at, 'coupons.expired', c.template_id::text, 0
        FROM coupons c, bounds b WHERE c.tenant_id = t AND c.expired_at >= b.lo AND c.expired_at < b.hi
        UNION ALL
        SELECT d.created_at, 'tiers.moved', (d.data ->> 'from') || '>' || (d.data ->> 'to'), 0
        FROM domain_events d, bounds b
        WHERE d.tenant_id = t AND d.type = 'tier.changed' AND d.created_at >= b.lo AND d.created_at < b.hi
        UNION ALL
        SELECT m.created_at, 'members.created', '', 0
        FROM members m, bounds b WHERE m.tenant_id = t AND m.created_at >= b.lo AND m.created_at < b.hi
        UNION ALL
        SELECT e.created_at, 'campaigns.points', coalesce(e.source_ref, ''), e.available_delta
        FROM ledger_entries e, bounds b
        WHERE e.tenant_id = t AND e.source = 'campaign' AND e.created_at >= b.lo AND e.created_at < b.hi
    )
    SELECT (at AT TIME ZONE zone)::date, metric, dimension, count(*)::bigint, sum(amount)::bigint
    FROM facts GROUP BY 1, 2, 3
$$;

-- Aggregates the local days [from_day, to_day] of one tenant: deletes what is stored for them
-- and writes it again, and folds the range's paid orders into the members' first and second
-- orders (which keeps the two earliest of what is stored and what it sees, so running a range
-- twice changes nothing).
-- Each statement is planned for the range it is given (a generic plan cannot see how many rows
-- a range of days holds), without JIT: compiling costs more than these short queries run.
CREATE FUNCTION jifen_report_aggregate(t uuid, zone text, from_day date, to_day date) RETURNS void
    LANGUAGE plpgsql
    SET plan_cache_mode = force_custom_plan
    SET jit = off
    AS $$
BEGIN
    DELETE FROM report_points_daily r WHERE r.tenant_id = t AND r.day BETWEEN from_day AND to_day;
    INSERT INTO report_points_daily (tenant_id, day, kind, source, entries, available, pending, held, debt)
    SELECT t, p.* FROM jifen_report_points(t, zone, from_day, to_day) p;

    DELETE FROM report_lots_daily r WHERE r.tenant_id = t AND r.day BETWEEN from_day AND to_day;
    INSERT INTO report_lots_daily (tenant_id, day, kind, earned_month, expiry_month, points)
    SELECT t, l.* FROM jifen_report_lots(t, zone, from_day, to_day) l WHERE l.points <> 0;

    DELETE FROM report_orders_daily r WHERE r.tenant_id = t AND r.day BETWEEN from_day AND to_day;
    INSERT INTO report_orders_daily (tenant_id, day, currency, orders, amount, refunds, refunded)
    SELECT t, o.* FROM jifen_report_orders(t, zone, from_day, to_day) o;

    DELETE FROM report_wallet_daily r WHERE r.tenant_id = t AND r.day BETWEEN from_day AND to_day;
    INSERT INTO report_wallet_daily (tenant_id, day, currency, kind, entries, principal, bonus, held)
    SELECT t, w.* FROM jifen_report_wallet(t, zone, from_day, to_day) w;

    DELETE FROM report_counts_daily r WHERE r.tenant_id = t AND r.day BETWEEN from_day AND to_day;
    INSERT INTO report_counts_daily (tenant_id, day, metric, dimension, count, amount)
    SELECT t, c.* FROM jifen_report_counts(t, zone, from_day, to_day) c;

    INSERT INTO report_active_members (tenant_id, period, start, member_id)
    SELECT DISTINCT t, p.period, p.start, o.member_id
    FROM orders o
    CROSS JOIN LATERAL (SELECT (o.paid_at AT TIME ZONE zone)::date AS day) d
    CROSS JOIN LATERAL (VALUES ('d', d.day), ('w', date_trunc('week', d.day::timestamp)::date),
                               ('m', date_trunc('month', d.day::timestamp)::date)) p(period, start)
    WHERE o.tenant_id = t AND o.paid_at IS NOT NULL
      AND o.paid_at >= (from_day::timestamp AT TIME ZONE zone)
      AND o.paid_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
    ON CONFLICT DO NOTHING;

    -- The counts of every period the range touches, again (a week or month may have begun
    -- before the range: its earlier days' members are still in report_active_members).
    INSERT INTO report_active_counts (tenant_id, period, start, members)
    SELECT t, a.period, a.start, count(*)
    FROM report_active_members a
    JOIN (
        SELECT DISTINCT p.period, p.start
        FROM generate_series(from_day::timestamp, to_day::timestamp, interval '1 day') g(day)
        CROSS JOIN LATERAL (VALUES ('d', g.day::date), ('w', date_trunc('week', g.day)::date),
                                   ('m', date_trunc('month', g.day)::date)) p(period, start)
    ) touched ON touched.period = a.period AND touched.start = a.start
    WHERE a.tenant_id = t
    GROUP BY a.period, a.start
    ON CONFLICT (tenant_id, period, start) DO UPDATE SET members = excluded.members;

    WITH seen AS (
        -- The range's paid orders, once overall ('') and once per category of their lines.
        SELECT o.member_id, c.category, o.id, o.paid_at
        FROM orders o
        CROSS JOIN LATERAL (
            SELECT '' AS category
            UNION
            SELECT DISTINCT l ->> 'category' FROM jsonb_array_elements(o.lines) l
            WHERE coalesce(l ->> 'category', '') <> ''
        ) c
        WHERE o.tenant_id = t AND o.paid_at IS NOT NULL
          AND o.paid_at >= (from_day::timestamp AT TIME ZONE zone)
          AND o.paid_at < ((to_day + 1)::timestamp AT TIME ZONE zone)
    ), candidates AS (
        SELECT member_id, category, id, paid_at FROM seen
        UNION
        SELECT m.member_id, m.category, m.first_order, m.first_at
        FROM report_member_orders m JOIN (SELECT DISTINCT member_id, category FROM seen) s USING (member_id, category)
        WHERE m.tenant_id = t
        UNION
        SELECT m.member_id, m.category, m.second_order, m.second_at
        FROM report_member_orders m JOIN (SELECT DISTINCT member_id, category FROM seen) s USING (member_id, category)
        WHERE m.tenant_id = t AND m.second_order IS NOT NULL
    ), firsts AS (
        -- The two earliest per member and category, by one aggregate (no self-join).
        SELECT member_id, category,
               array_agg(paid_at ORDER BY paid_at, id) AS times, array_agg(id ORDER BY paid_at, id) AS ids
        FROM candidates GROUP BY member_id, category
    )
    INSERT INTO report_member_orders (tenant_id, member_id, category, first_at, first_order, second_at, second_order,
                                      gap_days)
    SELECT t, member_id, category, times[1], ids[1], times[2], ids[2],
           (times[2] AT TIME ZONE zone)::date - (times[1] AT TIME ZONE zone)::date
    FROM firsts
    ON CONFLICT (tenant_id, member_id, category) DO UPDATE
        SET first_at = excluded.first_at, first_order = excluded.first_order,
            second_at = excluded.second_at, second_order = excluded.second_order, gap_days = excluded.gap_days;
END $$;

-- One step of a tenant's aggregation at `now`: the next run of ended days not yet stored (at most
-- `chunk`), then the progress moved; returns how many days it stored. 0: nothing ended that is
-- not stored, and the progress is due again when the next day has ended (plus `grace`).
-- The first day is the tenant's earliest dated row.
CREATE FUNCTION jifen_report_step(t uuid, program_zone text, now timestamptz, grace interval, chunk integer)
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    tz text := jifen_report_zone(program_zone);
    last_complete date := ((now - grace) AT TIME ZONE jifen_report_zone(program_zone))::date - 1;
    stored date;
    next_day date;
    through date;
BEGIN
    INSERT INTO report_progress (tenant_id, due_at) VALUES (t, now) ON CONFLICT (tenant_id) DO NOTHING;
    SELECT p.aggregated_through INTO stored FROM report_progress p WHERE p.tenant_id = t FOR UPDATE;
    IF stored IS NOT NULL THEN
        next_day := stored + 1;
    ELSE
        SELECT (min(f.first) AT TIME ZONE tz)::date INTO next_day FROM (
            SELECT min(e.created_at) AS first FROM ledger_entries e WHERE e.tenant_id = t
            UNION ALL SELECT min(o.paid_at) FROM orders o WHERE o.tenant_id = t AND o.paid_at IS NOT NULL
            UNION ALL SELECT min(r.created_at) FROM refunds r WHERE r.tenant_id = t
            UNION ALL SELECT min(w.created_at) FROM wallet_entries w WHERE w.tenant_id = t
            UNION ALL SELECT min(c.created_at) FROM coupons c WHERE c.tenant_id = t
            UNION ALL SELECT min(r.created_at) FROM referrals r WHERE r.tenant_id = t
        ) f;
    END IF;
    IF next_day IS NULL OR next_day > last_complete THEN
        UPDATE report_progress p SET
            aggregated_through = coalesce(p.aggregated_through, last_complete), zone = tz,
            due_at = ((last_complete + 2)::timestamp AT TIME ZONE tz) + grace,
            updated_at = clock_timestamp()
        WHERE p.tenant_id = t;
        RETURN 0;
    END IF;
    through := least(next_day + chunk - 1, last_complete);
    PERFORM jifen_report_aggregate(t, tz, next_day, through);
    UPDATE report_progress p SET
        aggregated_through = through, zone = tz,
        due_at = CASE WHEN through < last_complete THEN now
                 ELSE ((last_complete + 2)::timestamp AT TIME ZONE tz) + grace END,
        updated_at = clock_timestamp()
    WHERE p.tenant_id = t;
    RETURN through - next_day + 1;
END $$;

-- Every existing tenant starts aggregating from its first entry at the next scheduler round.
INSERT INTO report_progress (tenant_id, due_at) SELECT id, now() FROM tenants ON CONFLICT DO NOTHING;

-- Due work: tenants whose next report day has ended (report_progress_due).
ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) RENAME TO jifen_due_tenants_0019;

CREATE FUNCTION jifen_due_tenants(kind text, now timestamptz, max integer DEFAULT NULL,
                                  after_tenant uuid DEFAULT NULL)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    AS $fn$
DECLARE
    start_after uuid := coalesce(after_tenant, '00000000-0000-0000-0000-000000000000');
BEGIN
    IF max IS NOT NULL AND max < 1 THEN
        RETURN;
    END IF;

    IF kind = 'reports.aggregate' THEN
        RETURN QUERY
        SELECT p.tenant_id FROM report_progress p
        WHERE p.due_at <= now AND p.tenant_id > start_after
          AND EXISTS (SELECT 1 FROM tenants tn WHERE tn.id = p.tenant_id)
        ORDER BY p.tenant_id LIMIT max;
    ELSE
        RETURN QUERY SELECT * FROM jifen_due_tenants_0019(kind, now, max, after_tenant);
    END IF;
END $fn$;

DO $body$
DECLARE
    grantee record;
BEGIN
    EXECUTE format(
        'ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) SET search_path = %I, pg_temp',
        current_schema()
    );
    REVOKE ALL ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) FROM PUBLIC;
    FOR grantee IN
        SELECT DISTINCT p.oid::regprocedure AS fn, a.grantee::regrole AS role
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'jifen_due_tenants(text, timestamptz, integer, uuid)'::regprocedure
          AND a.grantee <> 0 AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', grantee.fn, grantee.role);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jifen_system') THEN
        GRANT EXECUTE ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) TO jifen_system;
    END IF;
END
$body$;
