#!/usr/bin/env bash
# Creates Jifen's database and roles in the official postgres image, on its first start (it runs
# the files of /docker-entrypoint-initdb.d as the superuser). The same provisioning as
# deploy/local/services.sh: an owner role that owns the schema and runs `jifen migrate`, and an
# application role with no superuser, no BYPASSRLS, owning nothing, which gets table rights through
# the owner's default privileges, so row-level security applies to it.
#
# Environment (defaults in brackets): JIFEN_DB_NAME [jifen], JIFEN_DB_OWNER [jifen_owner],
# JIFEN_DB_OWNER_PASSWORD [jifen_owner], JIFEN_DB_APP_USER [jifen_app],
# JIFEN_DB_APP_PASSWORD [jifen_app]; POSTGRES_USER and POSTGRES_DB as set by the image.
set -euo pipefail

db=${JIFEN_DB_NAME:-jifen}
owner=${JIFEN_DB_OWNER:-jifen_owner}
owner_pw=${JIFEN_DB_OWNER_PASSWORD:-jifen_owner}
app=${JIFEN_DB_APP_USER:-jifen_app}
app_pw=${JIFEN_DB_APP_PASSWORD:-jifen_app}

run_psql() {
    psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --no-password "$@"
}

run_psql --dbname "${POSTGRES_DB:-postgres}" \
    -v db="$db" -v owner="$owner" -v owner_pw="$owner_pw" -v app="$app" -v app_pw="$app_pw" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER PASSWORD :'owner_pw';
ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"owner";
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL

run_psql --dbname "$db" -v owner="$owner" -v app="$app" <<'SQL'
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO :"app";
SQL

echo "jifen: database '$db', owner role '$owner', application role '$app' ready"
