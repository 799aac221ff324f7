-- psql script for `make bench` (scripts/bench/expiry.sh): the baseline for the expiry sweep —
-- the same work as `jifen sweep expire` (lots to `expired`, one `expire` entry per lot with
-- what remained, balances, one `points.expired` event per member), done by one hand-written
-- set-based statement over every lot of the tenants named ':prefix-N'. Superuser: it crosses
-- tenants, which the application never does.
\set ON_ERROR_STOP on
WITH due AS (
    SELECT l.tenant_id, l.id, l.remaining FROM point_lots l JOIN tenants t ON t.id = l.tenant_id
    WHERE t.name LIKE :'prefix' || '-%' AND l.state = 'available' AND l.expires_at <= now()
    FOR UPDATE OF l
), expired AS (
    UPDATE point_lots l SET remaining = 0, state = 'expired'
    FROM due WHERE l.tenant_id = due.tenant_id AND l.id = due.id
    RETURNING l.tenant_id, l.id, l.member_id, l.order_id, l.program_version, due.remaining
), entries AS (
    INSERT INTO ledger_entries (tenant_id, member_id, kind, available_delta, lot_id, order_id, idempotency_key,
                                source, program_version, reason, lots)
    SELECT tenant_id, member_id, 'expire', -remaining, id, order_id, 'lot:' || id::text || ':expire', 'expiry',
           program_version, 'rolling', jsonb_build_array(jsonb_build_object('lot_id', id, 'points', remaining))
    FROM expired WHERE remaining > 0
    RETURNING tenant_id, member_id, -available_delta AS points
), per_member AS (
    SELECT tenant_id, member_id, sum(points)::bigint AS points FROM entries GROUP BY tenant_id, member_id
), balances_after AS (
    UPDATE balances b SET available = b.available - p.points, lifetime_expired = b.lifetime_expired + p.points,
                          event_sequence = b.event_sequence + 1, updated_at = clock_timestamp()
    FROM per_member p WHERE b.tenant_id = p.tenant_id AND b.member_id = p.member_id
    RETURNING b.tenant_id, b.member_id, b.event_sequence, b.available, b.pending, p.points
)
INSERT INTO domain_events (tenant_id, member_id, sequence, type, data)
SELECT a.tenant_id, a.member_id, a.event_sequence, 'points.expired',
       jsonb_build_object('member', m.external_id, 'points', a.points, 'available', a.available, 'pending', a.pending)
FROM balances_after a JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id;
