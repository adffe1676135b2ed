#!/usr/bin/env bash
# Create the virtualenv ($VENV, default .venv) with Python 3.11 and install the dependencies,
# dev extras included. Skipped when pyproject.toml has not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
STAMP="$VENV/.portal-installed"

find_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.11 is required: neither python3.11 nor python3 is Python 3.11." >&2
    return 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
    python="$(find_python)"
    echo "Creating the virtualenv $VENV with $python"
    "$python" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "$VENV does not run Python 3.11; remove it and run make install again." >&2
    exit 1
fi

wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
    exit 0
fi

echo "Installing dependencies into $VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# pyproject.toml declares no packages: this installs only the dependencies.
"$VENV/bin/python" -m pip install --quiet ".[dev]"
echo "$wanted" >"$STAMP"
