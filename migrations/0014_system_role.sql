-- The system scope (tenants, API keys, the outbox across all tenants) was a setting,
-- app.scope = 'system', which any role can set for itself: a query run as the application role
-- could read every tenant's API key rows. It now belongs to database roles instead:
-- * jifen_system, a login role of its own (provisioned beside the application role, with its
--   own password: SYSTEM_DATABASE_URL), which the application role is not a member of and so
--   can neither log in as nor SET ROLE to;
-- * the schema's owner, who runs `jifen migrate` (and could switch row-level security off on
--   its own tables anyway).
-- The role names are written into the function (current_user compared with constants), so the
-- policies stay a cheap, inlinable comparison; app.scope means nothing any more.
DO $body$
BEGIN
    EXECUTE format(
        $f$CREATE OR REPLACE FUNCTION jifen_system_scope() RETURNS boolean
            LANGUAGE sql STABLE
            AS $$ SELECT current_user IN ('jifen_system', %L) $$$f$,
        current_user
    );
    -- The role is made by provisioning (deploy/local/services.sh, the compose initdb script, or
    -- the operator), which also grants it what the application role has. Grant here as well, so
    -- a database provisioned before the role existed works once the role is added and this
    -- migration has run; provisioning after the migration grants the same again.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jifen_system') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO jifen_system', current_schema());
        EXECUTE format(
            'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO jifen_system',
            current_schema()
        );
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO jifen_system', current_schema());
        EXECUTE format(
            'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jifen_system',
            current_schema()
        );
        EXECUTE format(
            'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO jifen_system',
            current_schema()
        );
    ELSE
        RAISE WARNING 'role jifen_system does not exist: operator endpoints and the outbox relay see nothing until it is provisioned (docs/security.md)';
    END IF;
END
$body$;
