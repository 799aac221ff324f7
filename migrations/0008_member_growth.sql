-- Growth: what the workers keep current about each member (segments), its tier, and lapse
-- detection.
--
-- Stats are recomputed from the member's orders whenever one is scored, refunded or cancelled,
-- so they are a cache of `orders` and `refunds`, never a second truth. Spend is paid minus
-- refunded, in minor units of the program's currency.
ALTER TABLE members
    ADD COLUMN order_count integer NOT NULL DEFAULT 0,
    ADD COLUMN total_spend bigint NOT NULL DEFAULT 0,
    ADD COLUMN first_order_at timestamptz,
    ADD COLUMN last_order_at timestamptz,
    -- The tier's code (NULL: the base level, or no tiers); when reached; since when the
    -- member's qualifying metric has been below it (the grace period runs from there); when
    -- the daily evaluation last looked at it.
    ADD COLUMN tier text,
    ADD COLUMN tier_since timestamptz,
    ADD COLUMN tier_below_since timestamptz,
    ADD COLUMN tier_evaluated_at timestamptz,
    -- Set when `member.lapsed` was sent; a new lapse needs an order after it.
    ADD COLUMN lapsed_at timestamptz;

CREATE INDEX members_tier ON members (tenant_id, tier);
CREATE INDEX members_last_order ON members (tenant_id, last_order_at);
CREATE INDEX members_tags ON members USING gin (tags);

-- When an order's spend starts to count for tiers: its payment plus the program's return
-- window, fixed when it is scored. NULL: not scored (or never paid).
ALTER TABLE orders ADD COLUMN qualifies_at timestamptz;
CREATE INDEX orders_member_qualifying ON orders (tenant_id, member_id, qualifies_at) WHERE qualifies_at IS NOT NULL;

-- Orders scored before this migration qualify from their payment (their return window is long
-- past for all but the newest), and the stats start from them. The backfill reads every tenant,
-- which FORCEd row-level security hides even from the owner: it is lifted for these statements
-- and restored before the transaction (the whole migration) commits; the ALTERs lock the tables,
-- so no other session ever sees them unforced.
ALTER TABLE orders NO FORCE ROW LEVEL SECURITY;
ALTER TABLE members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE refunds NO FORCE ROW LEVEL SECURITY;
ALTER TABLE ledger_entries NO FORCE ROW LEVEL SECURITY;
UPDATE orders o SET qualifies_at = coalesce(o.paid_at, o.updated_at)
WHERE o.status IN ('paid', 'refunded')
  AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn');

UPDATE members m SET order_count = s.orders, total_spend = s.spend, first_order_at = s.first_at,
                     last_order_at = s.last_at
FROM (
    SELECT o.tenant_id, o.member_id,
           count(*) FILTER (WHERE o.amount > coalesce(r.refunded, 0))::integer AS orders,
           coalesce(sum(greatest(o.amount - coalesce(r.refunded, 0), 0)), 0)::bigint AS spend,
           min(o.placed_at) AS first_at, max(o.placed_at) AS last_at
    FROM orders o
    LEFT JOIN (SELECT tenant_id, order_id, sum(amount) AS refunded FROM refunds GROUP BY 1, 2) r
        ON r.tenant_id = o.tenant_id AND r.order_id = o.id
    WHERE o.status IN ('paid', 'refunded')
    GROUP BY 1, 2
) s
WHERE m.tenant_id = s.tenant_id AND m.id = s.member_id;

ALTER TABLE orders FORCE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
ALTER TABLE refunds FORCE ROW LEVEL SECURITY;
ALTER TABLE ledger_entries FORCE ROW LEVEL SECURITY;
