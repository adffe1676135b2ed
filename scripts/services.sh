#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer (starting the local ones if they do not) and that the
# database in DATABASE_URL exists. Honours DATABASE_URL and REDIS_URL.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

wait_until() {
    local what="$1"
    shift
    local attempt
    for attempt in $(seq 1 60); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    echo "$what did not answer within 30 seconds." >&2
    return 1
}

postgres_answers() { pg_isready --quiet --dbname="$DATABASE_URL"; }
redis_answers() { [[ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" == "PONG" ]]; }

if ! postgres_answers; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    wait_until PostgreSQL postgres_answers
fi

if ! redis_answers; then
    echo "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    wait_until Redis redis_answers
fi

# The database name is the last path segment of the URL; the server's "postgres" database is
# used to create it.
database="${DATABASE_URL##*/}"
database="${database%%\?*}"
server_url="${DATABASE_URL%/*}/postgres"
exists="$(psql "$server_url" --no-psqlrc --tuples-only --no-align \
    --command "SELECT 1 FROM pg_database WHERE datname = '$database'")"
if [[ "$exists" != "1" ]]; then
    echo "Creating database $database"
    psql "$server_url" --no-psqlrc --quiet --command "CREATE DATABASE \"$database\""
fi
