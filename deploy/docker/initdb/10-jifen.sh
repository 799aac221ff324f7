#!/usr/bin/env bash
# Creates Jifen's database and roles in the official postgres image, on its first start (it runs
# the files of /docker-entrypoint-initdb.d as the superuser), with the provisioning script that
# deploy/local/services.sh runs too (deploy/postgres/provision.psql, mounted at
# /jifen/provision.psql by compose.yaml): an owner role that owns the schema and runs
# `jifen migrate`, an application role with no superuser, no BYPASSRLS, owning nothing, and the
# system-scope role jifen_system, which the application role cannot become.
#
# Environment (defaults in brackets): JIFEN_DB_NAME [jifen], JIFEN_DB_OWNER [jifen_owner],
# JIFEN_DB_OWNER_PASSWORD [jifen_owner], JIFEN_DB_APP_USER [jifen_app],
# JIFEN_DB_APP_PASSWORD [jifen_app], JIFEN_DB_SYSTEM_PASSWORD [jifen_system]; POSTGRES_USER and
# POSTGRES_DB as set by the image.
set -euo pipefail

psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --no-password \
    --dbname "${POSTGRES_DB:-postgres}" \
    -v db="${JIFEN_DB_NAME:-jifen}" \
    -v owner="${JIFEN_DB_OWNER:-jifen_owner}" -v owner_pw="${JIFEN_DB_OWNER_PASSWORD:-jifen_owner}" \
    -v app="${JIFEN_DB_APP_USER:-jifen_app}" -v app_pw="${JIFEN_DB_APP_PASSWORD:-jifen_app}" \
    -v system_pw="${JIFEN_DB_SYSTEM_PASSWORD:-jifen_system}" \
    -f /jifen/provision.psql

echo "jifen: database '${JIFEN_DB_NAME:-jifen}' and roles ready"
