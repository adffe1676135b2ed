#!/usr/bin/env bash
# Everything CI checks, in order, stopping at the first failure: lint, format, types, missing
# migrations, then every test (browser journeys included) against PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

if [[ ! -x /usr/bin/chromium ]]; then
    echo "Installing Debian's chromium for the browser journeys"
    sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium </dev/null
fi

scripts/services.sh

scripts/lint.sh

echo "== makemigrations --check"
DJANGO_SETTINGS_MODULE=config.settings.test "$VENV/bin/python" manage.py makemigrations --check --dry-run

echo "== pytest"
status=0
"$VENV/bin/pytest" </dev/null || status=$?
if [[ "$status" == "5" ]]; then
    echo "pytest collected no tests: that is a failure." >&2
fi
exit "$status"
