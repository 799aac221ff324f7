-- Due work across tenants: for each periodic sweep, which tenants have something the sweep would
-- act on at a given instant, so the scheduler enqueues jobs only for those. An idle tenant costs
-- no job; the loose-scan branches never visit a tenant without rows in their index, and the
-- program-driven ones (points.remind, tiers.evaluate, members.lapse, inactivity expiry) read
-- each tenant's current program and probe member data only where the program asks for it.
--
-- jifen_due_tenants(kind, now, max, after_tenant) returns the ids in ascending order: at most
-- `max` of them (NULL: all), greater than `after_tenant` (NULL: from the start), so a scheduler
-- that gets a full page asks again after the last id instead of starving the tail. `kind` is the
-- job kind's name (JobKind.name: 'points.release', ...). Each branch repeats its sweep's own
-- WHERE clause (see NOTES.md); where it is a superset, the comment there says so.
--
-- Row-level security: the function reads member data of every tenant, which no login role may.
-- It is SECURITY DEFINER, owned by the schema's owner (who runs `jifen migrate`), whose reads
-- the tables below allow through one extra permissive policy, `FOR SELECT TO <owner>` (the owner
-- could switch row-level security off on its own tables anyway). EXECUTE belongs to
-- jifen_system only: not to PUBLIC, and not to the application role either, which the default
-- privileges of deploy/postgres/provision.psql grant EXECUTE on every new function of `public`.
--
-- Time arithmetic: intervals in days (`interval '1 day'`) follow the session's TimeZone, as the
-- sweeps' own statements do; the scheduler's system connection and the workers' tenant
-- connections must share it (both take the server default: neither sets it).
--
-- Two new partial indexes, on members. Built inside the migration's transaction they block
-- writes to members while they build; on a big database build them first by hand with
-- CREATE INDEX CONCURRENTLY and the same name and definition, and these statements skip them.
-- Every other branch walks an index that already exists (0004, 0005, 0006) with a loose index
-- scan: one descent per tenant that has rows in the partial index, whatever their number.
-- Per-tenant probes are written `(SELECT true ... LIMIT 1)`, not EXISTS: the planner may turn an
-- EXISTS under OR into a hashed subplan, or a semi-join into a hash join, that reads the whole
-- table across tenants (seen with a generic plan); a scalar subquery with LIMIT stays a
-- per-tenant index probe that stops at its first row.

-- tiers.evaluate: members the daily evaluation still has to look at.
CREATE INDEX IF NOT EXISTS members_tier_due ON members (tenant_id, tier_evaluated_at)
    WHERE tier IS NOT NULL OR order_count > 0;
-- members.lapse: members with an order not yet followed by `member.lapsed`.
CREATE INDEX IF NOT EXISTS members_lapse_due ON members (tenant_id, last_order_at)
    WHERE last_order_at IS NOT NULL AND (lapsed_at IS NULL OR lapsed_at < last_order_at);

-- The zone as the program names it when PostgreSQL knows it, else UTC (what Swift falls back to,
-- `TimeZone(identifier:) ?? .gmt`): one tenant's unknown zone must not fail every tenant's query.
-- Its exception block costs a subtransaction: called once per distinct zone, not per tenant or row.
CREATE FUNCTION jifen_zone_or_utc(zone text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    PERFORM now() AT TIME ZONE zone;
    RETURN zone;
EXCEPTION WHEN OTHERS THEN
    RETURN 'UTC';
END $$;

-- Each tenant's current program (its newest version), for the tenants after `after`: what the
-- program-driven branches below read. Called from jifen_due_tenants, so as the owner; called by
-- anyone else, row-level security shows only their own tenant's.
CREATE FUNCTION jifen_current_programs(after uuid) RETURNS TABLE (tenant_id uuid, rules jsonb)
    LANGUAGE sql STABLE
    AS $$
    SELECT tn.id, p.rules
    FROM tenants tn
    CROSS JOIN LATERAL (SELECT pr.rules FROM programs pr WHERE pr.tenant_id = tn.id
                        ORDER BY pr.version DESC LIMIT 1) p
    WHERE tn.id > after
$$;

CREATE FUNCTION jifen_due_tenants(kind text, now timestamptz, max integer DEFAULT NULL,
                                  after_tenant uuid DEFAULT NULL)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    AS $fn$
DECLARE
    -- Tenant ids are gen_random_uuid() (never the nil uuid, which is the operator's idempotency
    -- scope), so "> nil" is "all"; a plain bound keeps `tenant_id > $1` an index condition.
    start_after uuid := coalesce(after_tenant, '00000000-0000-0000-0000-000000000000');
BEGIN
    IF max IS NOT NULL AND max < 1 THEN
        RETURN;
    END IF;

    IF kind = 'points.release' THEN
        -- releaseDuePoints: state = 'pending' AND available_at <= now.
        -- Loose scan of point_lots_release (tenant_id, available_at) WHERE state = 'pending':
        -- a tenant's first entry is its earliest pending lot.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT l.tenant_id, l.available_at FROM point_lots l
             WHERE l.state = 'pending' AND l.tenant_id > start_after
             ORDER BY l.tenant_id, l.available_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.available_at
            FROM t CROSS JOIN LATERAL (
                SELECT l.tenant_id, l.available_at FROM point_lots l
                WHERE l.state = 'pending' AND l.tenant_id > t.tenant_id
                ORDER BY l.tenant_id, l.available_at LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;

    ELSIF kind = 'redemptions.expire' THEN
        -- expireHolds: state = 'held' AND expires_at <= now.
        -- Loose scan of redemptions_expiring (tenant_id, expires_at) WHERE state = 'held'.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT r.tenant_id, r.expires_at FROM redemptions r
             WHERE r.state = 'held' AND r.tenant_id > start_after
             ORDER BY r.tenant_id, r.expires_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.expires_at
            FROM t CROSS JOIN LATERAL (
                SELECT r.tenant_id, r.expires_at FROM redemptions r
                WHERE r.state = 'held' AND r.tenant_id > t.tenant_id
                ORDER BY r.tenant_id, r.expires_at LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;

    ELSIF kind = 'points.expire' THEN
        -- expireLots, first half: state = 'available' AND expires_at <= now (whatever remains:
        -- a spent lot is marked expired too). Loose scan of point_lots_expiring
        -- (tenant_id, expires_at) WHERE state = 'available' AND expires_at IS NOT NULL.
        -- Second half, tenants whose current program has the inactivity policy: a member with a
        -- balance row, an available lot with points left, and its last earning (or, without one,
        -- its newest lot's) before the cutoff. The cutoff is computed as Swift does (calendar
        -- months back in the program's zone) plus 2 hours, so a DST fold or tzdata difference
        -- between Foundation and PostgreSQL never makes it later than the sweep's: a superset
        -- by at most those 2 hours.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT l.tenant_id, l.expires_at FROM point_lots l
             WHERE l.state = 'available' AND l.expires_at IS NOT NULL AND l.tenant_id > start_after
             ORDER BY l.tenant_id, l.expires_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.expires_at
            FROM t CROSS JOIN LATERAL (
                SELECT l.tenant_id, l.expires_at FROM point_lots l
                WHERE l.state = 'available' AND l.expires_at IS NOT NULL AND l.tenant_id > t.tenant_id
                ORDER BY l.tenant_id, l.expires_at LIMIT 1
            ) n
        ), dated AS (
            SELECT t.tenant_id FROM t WHERE t.first_at <= now
        ), program AS (
            SELECT tenant_id, rules FROM jifen_current_programs(start_after)
        ), inactivity_rules AS MATERIALIZED (
            SELECT pg.tenant_id, coalesce(pg.rules ->> 'time_zone', 'UTC') AS zone_name,
                   (pg.rules -> 'expiry' ->> 'inactivity_months')::numeric::integer AS months
            FROM program pg
            WHERE pg.rules -> 'expiry' ->> 'policy' = 'inactivity'
              AND jsonb_typeof(pg.rules -> 'expiry' -> 'inactivity_months') = 'number'
        ), zones AS MATERIALIZED (  -- the zone check once per distinct zone, not per tenant or probe
            SELECT z.zone_name, jifen_zone_or_utc(z.zone_name) AS zone
            FROM (SELECT DISTINCT zone_name FROM inactivity_rules) z
        ), inactivity AS MATERIALIZED (
            SELECT r.tenant_id,
                   ((now AT TIME ZONE z.zone) - make_interval(months => r.months)) AT TIME ZONE z.zone
                   + interval '2 hours' AS cutoff
            FROM inactivity_rules r JOIN zones z ON z.zone_name = r.zone_name
        ), inactive AS (
            SELECT i.tenant_id FROM inactivity i
            WHERE (SELECT true FROM balances b
                   WHERE b.tenant_id = i.tenant_id AND b.last_earned_at < i.cutoff
                     AND (SELECT true FROM point_lots l
                          WHERE l.tenant_id = b.tenant_id AND l.member_id = b.member_id
                            AND l.state = 'available' AND l.remaining > 0 LIMIT 1)
                   LIMIT 1)
               OR (SELECT true FROM balances b
                   WHERE b.tenant_id = i.tenant_id AND b.last_earned_at IS NULL
                     AND (SELECT max(n.earned_at) FROM point_lots n
                          WHERE n.tenant_id = b.tenant_id AND n.member_id = b.member_id) < i.cutoff
                     AND (SELECT true FROM point_lots l
                          WHERE l.tenant_id = b.tenant_id AND l.member_id = b.member_id
                            AND l.state = 'available' AND l.remaining > 0 LIMIT 1)
                   LIMIT 1)
        )
        SELECT u.tenant_id FROM (SELECT tenant_id FROM dated UNION SELECT tenant_id FROM inactive) u
        ORDER BY u.tenant_id LIMIT max;

    ELSIF kind = 'points.remind' THEN
        -- remindExpiring: tenants whose current program has reminder days, with an available lot
        -- with points left expiring in (now, now + w days] for a window w whose reminder for
        -- (member, local expiry day, w) is not recorded yet -- exactly the rows its
        -- INSERT ... ON CONFLICT DO NOTHING would add. Stops at the first such lot; a tenant
        -- with nothing new costs a scan of its lots in the window (see NOTES.md).
        RETURN QUERY
        WITH program AS (
            SELECT tenant_id, rules FROM jifen_current_programs(start_after)
        ), reminder_rules AS MATERIALIZED (
            SELECT pg.tenant_id, w.windows, w.windows[cardinality(w.windows)] AS widest,
                   coalesce(pg.rules ->> 'time_zone', 'UTC') AS zone_name
            FROM program pg
            CROSS JOIN LATERAL (
                SELECT array_agg(d.value::text::numeric::integer ORDER BY d.value::text::numeric) AS windows
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pg.rules -> 'expiry' -> 'reminder_days') = 'array'
                                               THEN pg.rules -> 'expiry' -> 'reminder_days' END) d
                WHERE jsonb_typeof(d.value) = 'number'
            ) w
            WHERE w.windows IS NOT NULL
        ), zones AS MATERIALIZED (  -- the zone check once per distinct zone
            SELECT z.zone_name, jifen_zone_or_utc(z.zone_name) AS zone
            FROM (SELECT DISTINCT zone_name FROM reminder_rules) z
        ), reminding AS MATERIALIZED (
            SELECT r.tenant_id, r.windows, r.widest, z.zone
            FROM reminder_rules r JOIN zones z ON z.zone_name = r.zone_name
        )
        SELECT c.tenant_id FROM reminding c
        WHERE (SELECT true FROM point_lots l
               WHERE l.tenant_id = c.tenant_id AND l.state = 'available' AND l.remaining > 0
                 AND l.expires_at > now AND l.expires_at <= now + c.widest * interval '1 day'
                 AND EXISTS (
                     SELECT 1 FROM unnest(c.windows) AS w(days)
                     WHERE l.expires_at <= now + w.days * interval '1 day'
                       AND (SELECT true FROM expiry_reminders r
                            WHERE r.tenant_id = l.tenant_id AND r.member_id = l.member_id
                              AND r.expires_on = (l.expires_at AT TIME ZONE c.zone)::date - date '1970-01-01'
                              AND r.days_before = w.days) IS NULL)
               LIMIT 1)
        ORDER BY c.tenant_id LIMIT max;

    ELSIF kind = 'tiers.evaluate' THEN
        -- evaluateTiers: tenants whose current program has tiers, with a member
        -- (tier IS NOT NULL OR order_count > 0) not evaluated for a day. members_tier_due;
        -- IS NULL and <= as two probes, each an index condition that stops at its first row.
        RETURN QUERY
        WITH program AS (
            SELECT tenant_id, rules FROM jifen_current_programs(start_after)
        ), tiered AS MATERIALIZED (  -- probe members only for tenants with tiers
            SELECT pg.tenant_id FROM program pg WHERE jsonb_typeof(pg.rules -> 'tiers') = 'object'
        )
        SELECT c.tenant_id FROM tiered c
        WHERE (SELECT true FROM members m
               WHERE m.tenant_id = c.tenant_id AND (m.tier IS NOT NULL OR m.order_count > 0)
                 AND m.tier_evaluated_at IS NULL LIMIT 1)
           OR (SELECT true FROM members m
               WHERE m.tenant_id = c.tenant_id AND (m.tier IS NOT NULL OR m.order_count > 0)
                 AND m.tier_evaluated_at <= now - interval '1 day' LIMIT 1)
        ORDER BY c.tenant_id LIMIT max;

    ELSIF kind = 'members.lapse' THEN
        -- detectLapses: tenants whose current program has lapse rules, with a member whose last
        -- order is older than the repurchase window (exact seconds, as Swift computes it) and
        -- not lapsed since. members_lapse_due.
        RETURN QUERY
        WITH program AS (
            SELECT tenant_id, rules FROM jifen_current_programs(start_after)
        ), lapsing AS MATERIALIZED (  -- probe members only for tenants with lapse rules
            SELECT pg.tenant_id,
                   now - make_interval(secs => (pg.rules -> 'lapse' ->> 'repurchase_window_days')::numeric::float8
                                               * 86400) AS cutoff
            FROM program pg
            WHERE jsonb_typeof(pg.rules -> 'lapse') = 'object'
              AND jsonb_typeof(pg.rules -> 'lapse' -> 'repurchase_window_days') = 'number'
        )
        SELECT c.tenant_id FROM lapsing c
        WHERE (SELECT true FROM members m
               WHERE m.tenant_id = c.tenant_id AND m.last_order_at < c.cutoff
                 AND (m.lapsed_at IS NULL OR m.lapsed_at < m.last_order_at) LIMIT 1)
        ORDER BY c.tenant_id LIMIT max;

    ELSIF kind = 'schedules.grant' THEN
        -- grantDueInstallments: granted_at IS NULL AND due_at <= now AND the schedule is active.
        -- Loose scan of schedule_installments_due (tenant_id, due_at) WHERE granted_at IS NULL
        -- finds tenants whose earliest ungranted installment is due; the join then checks that
        -- one due installment belongs to an active schedule (a cancelled schedule's ungranted
        -- installments stay in that index for good).
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT i.tenant_id, i.due_at FROM schedule_installments i
             WHERE i.granted_at IS NULL AND i.tenant_id > start_after
             ORDER BY i.tenant_id, i.due_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.due_at
            FROM t CROSS JOIN LATERAL (
                SELECT i.tenant_id, i.due_at FROM schedule_installments i
                WHERE i.granted_at IS NULL AND i.tenant_id > t.tenant_id
                ORDER BY i.tenant_id, i.due_at LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t
        WHERE t.first_at <= now
          AND (SELECT true FROM schedule_installments i
               JOIN schedules s ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id
               WHERE i.tenant_id = t.tenant_id AND i.granted_at IS NULL AND i.due_at <= now
                 AND s.state = 'active' LIMIT 1)
        LIMIT max;

    ELSIF kind = 'events.fanout' THEN
        -- fanOutEvents: fanned_out_at IS NULL (no time condition: `now` is not used).
        -- Loose scan of domain_events_unsent (tenant_id, created_at, id) WHERE fanned_out_at IS NULL.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id) AS (
            (SELECT e.tenant_id FROM domain_events e
             WHERE e.fanned_out_at IS NULL AND e.tenant_id > start_after
             ORDER BY e.tenant_id LIMIT 1)
            UNION ALL
            SELECT n.tenant_id
            FROM t CROSS JOIN LATERAL (
                SELECT e.tenant_id FROM domain_events e
                WHERE e.fanned_out_at IS NULL AND e.tenant_id > t.tenant_id
                ORDER BY e.tenant_id LIMIT 1
            ) n
        )
        SELECT t.tenant_id FROM t LIMIT max;

    ELSE
        RAISE EXCEPTION 'jifen_due_tenants: unknown sweep kind %', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $fn$;

-- Names that depend on where and by whom the migration runs: the schema (tests migrate scratch
-- schemas) and the owner role.
DO $body$
DECLARE
    tbl text;
    grantee record;
BEGIN
    EXECUTE format(
        'ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) SET search_path = %I, pg_temp',
        current_schema()
    );

    -- What the function reads. The owner's SELECT only: writes stay under tenant_isolation.
    -- tenants too, though 0014's system scope already lets the owner read it: this function then
    -- depends on no other migration's choice of roles.
    FOREACH tbl IN ARRAY ARRAY['tenants', 'programs', 'point_lots', 'balances', 'redemptions', 'members',
                               'expiry_reminders', 'schedules', 'schedule_installments', 'domain_events'] LOOP
        EXECUTE format('CREATE POLICY owner_due_work ON %I FOR SELECT TO %I USING (true)', tbl, current_user);
    END LOOP;

    -- EXECUTE for jifen_system (and the owner, who owns them) only. Default privileges may have
    -- granted it to the application role (deploy/postgres/provision.psql does in `public`), whose
    -- name this migration does not know: revoke from every grantee but those two.
    REVOKE ALL ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) FROM PUBLIC;
    REVOKE ALL ON FUNCTION jifen_zone_or_utc(text) FROM PUBLIC;
    FOR grantee IN
        SELECT DISTINCT p.oid::regprocedure AS fn, a.grantee::regrole AS role
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid IN ('jifen_due_tenants(text, timestamptz, integer, uuid)'::regprocedure,
                        'jifen_zone_or_utc(text)'::regprocedure)
          AND a.grantee <> 0 AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', grantee.fn, grantee.role);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jifen_system') THEN
        GRANT EXECUTE ON FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) TO jifen_system;
    ELSE
        RAISE WARNING 'role jifen_system does not exist: grant it EXECUTE on jifen_due_tenants once provisioned';
    END IF;
END
$body$;
