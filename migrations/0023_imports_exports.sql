-- Imports and exports (docs/data.md): files stored in PostgreSQL in chunks, imports processed by
-- the workers in batches with a cursor committed with each batch, exports written the same way.
--
-- One file store serves both directions: an uploaded file is written chunk by chunk as the
-- request body arrives (never held whole in memory), an export is appended chunk by chunk by its
-- job, and a download streams the chunks back in order. Every chunk of an uploaded file but the
-- last has the same size (ImportChunking.size), so a byte offset names a chunk and a position in
-- it: an import's cursor is one number.

CREATE TABLE files (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    purpose text NOT NULL CHECK (purpose IN ('import', 'export')),
    content_type text NOT NULL,
    size bigint NOT NULL DEFAULT 0,
    chunks integer NOT NULL DEFAULT 0,
    complete boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- When the expiry sweep deletes it (files.expire); an upload cut off midway expires too.
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX files_expiring ON files (tenant_id, expires_at);

CREATE TABLE file_chunks (
    tenant_id uuid NOT NULL,
    file_id uuid NOT NULL,
    seq integer NOT NULL CHECK (seq >= 0),
    data bytea NOT NULL,
    PRIMARY KEY (tenant_id, file_id, seq),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE
);
-- Chunks are written once and read in order: compressing them costs the upload CPU for little.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE imports (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('members', 'orders', 'balances')),
    format text NOT NULL CHECK (format IN ('csv', 'ndjson')),
    points text NOT NULL DEFAULT 'none' CHECK (points IN ('none', 'program')),
    -- Not a foreign key: the file expires before the import's record does.
    file_id uuid NOT NULL,
    size bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'cancelled', 'failed')),
    -- The cursor: the byte where the next row starts and that row's number; `header` is the
    -- CSV header as read from the first row. Moved in the transaction that imports the batch.
    next_byte bigint NOT NULL DEFAULT 0,
    next_row bigint NOT NULL DEFAULT 0,
    header text[],
    rows_imported bigint NOT NULL DEFAULT 0,
    rows_skipped bigint NOT NULL DEFAULT 0,
    rows_failed bigint NOT NULL DEFAULT 0,
    -- The earliest date the imported rows carry: reports are recomputed from its day.
    earliest_at timestamptz,
    cancel_requested boolean NOT NULL DEFAULT false,
    -- Which job may carry on (its payload's token): a run that hands over to a new job moves it,
    -- so a stale copy of a job (redelivered after a crash) stops instead of starting a second chain.
    run_token integer NOT NULL DEFAULT 0,
    failure text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX imports_page ON imports (tenant_id, created_at DESC, id DESC);

-- One error per failed row (the first problem found in it).
CREATE TABLE import_errors (
    tenant_id uuid NOT NULL,
    import_id uuid NOT NULL,
    row_number bigint NOT NULL,
    field text NOT NULL DEFAULT '',
    message text NOT NULL,
    PRIMARY KEY (tenant_id, import_id, row_number),
    FOREIGN KEY (tenant_id, import_id) REFERENCES imports (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE exports (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('members', 'orders', 'ledger', 'lots')),
    format text NOT NULL CHECK (format IN ('csv', 'ndjson')),
    range_from timestamptz,
    range_to timestamptz,
    file_id uuid NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
    -- Keyset cursor: the last row written (its time and id) and the next chunk's number.
    after_at timestamptz,
    after_id uuid,
    next_chunk integer NOT NULL DEFAULT 0,
    rows bigint NOT NULL DEFAULT 0,
    run_token integer NOT NULL DEFAULT 0,
    failure text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX exports_page ON exports (tenant_id, created_at DESC, id DESC);

DO $body$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['files', 'file_chunks', 'imports', 'import_errors', 'exports'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tbl);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = jifen_current_tenant())', tbl);
    END LOOP;
END
$body$;

-- Orders imported "without points": history for segments and reports that scoring never
-- touches (ScoringStatements.OrderFacts skips them). Constant default: no table rewrite.
ALTER TABLE orders ADD COLUMN history_only boolean NOT NULL DEFAULT false;

-- Opening balances: lots and `earn` entries with source 'import'.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check CHECK (source IN (
    'order', 'refund', 'cancel', 'redemption', 'adjustment', 'activity', 'release', 'debt', 'expiry', 'check_in',
    'schedule', 'campaign', 'reward', 'referral', 'journey', 'import'));
ALTER TABLE point_lots DROP CONSTRAINT point_lots_source_check;
ALTER TABLE point_lots ADD CONSTRAINT point_lots_source_check CHECK (source IN (
    'order', 'adjustment', 'activity', 'referral', 'check_in', 'schedule', 'campaign', 'journey', 'import'));

-- Due work: files.expire (files past their expiry). The function as it stood keeps a name of
-- its own, as each migration that adds a kind does.
ALTER FUNCTION jifen_due_tenants(text, timestamptz, integer, uuid) RENAME TO jifen_due_tenants_before_0023;

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

    IF kind = 'files.expire' THEN
        -- expireFiles: expires_at <= now. Loose scan of files_expiring: a tenant's first entry
        -- is its earliest expiry.
        RETURN QUERY
        WITH RECURSIVE t(tenant_id, first_at) AS (
            (SELECT f.tenant_id, f.expires_at FROM files f
             WHERE f.tenant_id > start_after
             ORDER BY f.tenant_id, f.expires_at LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.expires_at FROM t CROSS JOIN LATERAL (
                SELECT f.tenant_id, f.expires_at FROM files f
                WHERE f.tenant_id > t.tenant_id
                ORDER BY f.tenant_id, f.expires_at LIMIT 1) n
        )
        SELECT t.tenant_id FROM t WHERE t.first_at <= now LIMIT max;
    ELSE
        RETURN QUERY SELECT * FROM jifen_due_tenants_before_0023(kind, now, max, after_tenant);
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
    EXECUTE format('CREATE POLICY owner_due_work ON files FOR SELECT TO %I USING (true)', current_user);
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

-- Statistics for an import's first batch. A tenant importing its history is new to the planner:
-- its literal id is estimated at a row or two in every tenant table, which makes every index
-- that starts with tenant_id look as good as the unique one a lookup needs, and a batch's
-- 20,000 lookups each scanned the tenant's rows (40 s instead of 0.1 s for one batch). The
-- import's first batch analyses the tables it writes, inside its transaction (ANALYZE counts the
-- transaction's own rows), so that batch and the later ones are planned on the tenant's real
-- size. ANALYZE belongs to the tables' owner: this function runs as the schema's owner, and
-- analyses only the tables imports write.
CREATE FUNCTION jifen_analyze_for_import(tables text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF t NOT IN ('members', 'orders', 'refunds', 'balances', 'ledger_entries') THEN
            RAISE EXCEPTION 'not a table imports write: %', t;
        END IF;
        EXECUTE format('ANALYZE %I', t);
    END LOOP;
END $$;
DO $body$
BEGIN
    EXECUTE format('ALTER FUNCTION jifen_analyze_for_import(text[]) SET search_path = %I, pg_temp', current_schema());
END
$body$;
