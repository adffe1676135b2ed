# The two commands: `make run` (the portal with demo data on http://127.0.0.1:8000) and
# `make test` (every check CI runs). The work is done by the small scripts in scripts/.

VENV ?= .venv
export VENV

.PHONY: help install run test lint format services

help:
	@echo "make run      install, migrate, load demo data and serve http://127.0.0.1:8000"
	@echo "make test     install, start PostgreSQL and Redis, then lint, type-check and run every test"
	@echo "make install  create $(VENV) and install the dependencies (skipped when pyproject.toml is unchanged)"
	@echo "make lint     ruff check, ruff format --check and mypy"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make services start PostgreSQL and Redis on localhost if they are not answering"

install:
	@scripts/install.sh

run: install
	@scripts/run.sh

test: install
	@scripts/test.sh

lint: install
	@scripts/lint.sh

format: install
	@"$(VENV)/bin/ruff" format .
	@"$(VENV)/bin/ruff" check --fix .

services:
	@scripts/services.sh
