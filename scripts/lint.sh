#!/usr/bin/env bash
# Lint, format check and type check, as CI runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"

echo "== ruff check"
"$VENV/bin/ruff" check .
echo "== ruff format --check"
"$VENV/bin/ruff" format --check .
echo "== mypy"
"$VENV/bin/mypy" .
