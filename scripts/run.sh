#!/usr/bin/env bash
# Run the portal locally with the development settings: SQLite (db.sqlite3), tasks run in
# process, emails kept in the development mailbox. Loads the demo data, then serves.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE=config.settings.dev
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"

"$VENV/bin/python" manage.py migrate --no-input
"$VENV/bin/python" manage.py seed_demo

cat <<BANNER

  The partner portal is starting on $SITE_URL/
  Sign in with one of the demo logins above.
  Emails the portal sends appear in the development mailbox: $SITE_URL/dev/mailbox/

BANNER

exec "$VENV/bin/python" manage.py runserver "$HOST:$PORT"
