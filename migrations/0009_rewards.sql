-- The rewards catalogue (issue 6, item 6): gifts a member claims for points. A claim spends
-- the points through a redemption (a hold captured in the same transaction, so lots, ledger,
-- balance and events follow the redemption invariants of 0004) and takes stock atomically.
--
-- Grants: none here. The app role gets SELECT/INSERT/UPDATE/DELETE on every table the owner
-- creates through the owner's default privileges (deploy/local/services.sh,
-- deploy/docker/initdb/10-jifen.sh), as for every earlier migration.

CREATE TABLE rewards (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    -- The shop's own id for it (its SKU), optional; unique per tenant when given.
    external_id text,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    points_cost bigint NOT NULL CHECK (points_cost > 0),
    -- Units left to claim; NULL: unlimited. A claim takes stock with a conditional UPDATE
    -- (`stock >= quantity`); the CHECK is the backstop that makes overselling impossible.
    stock bigint CHECK (stock >= 0),
    -- Units claimed so far, for the shop's reporting.
    claimed bigint NOT NULL DEFAULT 0 CHECK (claimed >= 0),
    -- Claimable from available_from (inclusive) until available_until (exclusive); NULL: open.
    available_from timestamptz,
    available_until timestamptz,
    -- Units one member may claim in total; NULL: no limit.
    per_member_limit integer CHECK (per_member_limit > 0),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT rewards_window CHECK (available_until > available_from)
);
CREATE UNIQUE INDEX rewards_external_id ON rewards (tenant_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX rewards_page ON rewards (tenant_id, created_at DESC, id DESC);
ALTER TABLE rewards ENABLE ROW LEVEL SECURITY;
ALTER TABLE rewards FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rewards USING (tenant_id = jifen_current_tenant());

-- One claim of `quantity` units by a member, for `points` (the cost at the time × quantity).
-- Its redemption (captured) points back to it through redemptions.reward_claim_id.
CREATE TABLE reward_claims (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    reward_id uuid NOT NULL,
    member_id uuid NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    points bigint NOT NULL CHECK (points > 0),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, reward_id) REFERENCES rewards (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX reward_claims_member ON reward_claims (tenant_id, member_id, created_at DESC, id DESC);
-- The per-member limit sums a member's claims of one reward.
CREATE INDEX reward_claims_limit ON reward_claims (tenant_id, reward_id, member_id);
ALTER TABLE reward_claims ENABLE ROW LEVEL SECURITY;
ALTER TABLE reward_claims FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reward_claims USING (tenant_id = jifen_current_tenant());

ALTER TABLE redemptions ADD COLUMN reward_claim_id uuid;
ALTER TABLE redemptions ADD CONSTRAINT redemptions_reward_claim_fkey
    FOREIGN KEY (tenant_id, reward_claim_id) REFERENCES reward_claims (tenant_id, id);
-- One redemption per claim.
CREATE UNIQUE INDEX redemptions_reward_claim ON redemptions (tenant_id, reward_claim_id)
    WHERE reward_claim_id IS NOT NULL;
