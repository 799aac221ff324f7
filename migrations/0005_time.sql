-- Time: lot expiry and its reminders, daily check-ins, staged bonuses (scheduled installments).

-- Under the inactivity policy a member's points expire together, counted from its last earning.
-- (Rows from before this migration have none; the sweep falls back to their newest lot.)
ALTER TABLE balances ADD COLUMN last_earned_at timestamptz;
CREATE INDEX balances_last_earned ON balances (tenant_id, last_earned_at);

-- The expiry sweep and the reminders find lots by expiry date.
CREATE INDEX point_lots_expiring ON point_lots (tenant_id, expires_at)
    WHERE state = 'available' AND expires_at IS NOT NULL;

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check CHECK (source IN (
    'order', 'refund', 'cancel', 'redemption', 'adjustment', 'activity', 'release', 'debt', 'expiry', 'check_in',
    'schedule'));

-- One row per reminder sent: (member, local day the points expire on, days before). The
-- primary key is what makes each reminder fire once.
CREATE TABLE expiry_reminders (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    expires_on integer NOT NULL,
    days_before integer NOT NULL,
    points bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, member_id, expires_on, days_before),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
ALTER TABLE expiry_reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE expiry_reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON expiry_reminders USING (tenant_id = jifen_current_tenant());

-- One check-in per member and local calendar day (a day number: days since 1970-01-01 in the
-- program's time zone).
CREATE TABLE check_ins (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    local_day integer NOT NULL,
    streak bigint NOT NULL CHECK (streak >= 1),
    points bigint NOT NULL CHECK (points >= 0),
    bonus bigint NOT NULL CHECK (bonus >= 0),
    lot_id uuid,
    program_version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, member_id, local_day),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
ALTER TABLE check_ins ENABLE ROW LEVEL SECURITY;
ALTER TABLE check_ins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON check_ins USING (tenant_id = jifen_current_tenant());

CREATE TABLE schedules (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id uuid NOT NULL,
    total_points bigint NOT NULL CHECK (total_points > 0),
    installments integer NOT NULL CHECK (installments > 0),
    period text NOT NULL CHECK (period IN ('week', 'month')),
    start_at timestamptz NOT NULL,
    reason text NOT NULL,
    source_reference text,
    state text NOT NULL CHECK (state IN ('active', 'cancelled', 'completed')),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    cancelled_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX schedules_member ON schedules (tenant_id, member_id, created_at DESC, id DESC);
CREATE INDEX schedules_source ON schedules (tenant_id, source_reference) WHERE state = 'active';
ALTER TABLE schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON schedules USING (tenant_id = jifen_current_tenant());

CREATE TABLE schedule_installments (
    tenant_id uuid NOT NULL,
    schedule_id uuid NOT NULL,
    number integer NOT NULL,
    due_at timestamptz NOT NULL,
    points bigint NOT NULL CHECK (points > 0),
    granted_at timestamptz,
    lot_id uuid,
    PRIMARY KEY (tenant_id, schedule_id, number),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES schedules (tenant_id, id)
);
CREATE INDEX schedule_installments_due ON schedule_installments (tenant_id, due_at) WHERE granted_at IS NULL;
ALTER TABLE schedule_installments ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedule_installments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON schedule_installments USING (tenant_id = jifen_current_tenant());
