# Baton: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_AGENT ?= amara
export BATON_DATABASE_URL ?= sqlite:///baton.db

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Baton needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo: migrate the SQLite database, load 90 days of simulated history once,
# print a token, start the SLA worker and serve on http://$(HOST):$(PORT)/.
run: install
	$(BIN)/baton db upgrade
	$(BIN)/baton demo --days 90 --if-empty
	@token=$$($(BIN)/baton token create --agent $(DEMO_AGENT) --label "make run"); \
	echo ""; \
	echo "  Baton is running at http://$(HOST):$(PORT)/"; \
	echo "  Sign in (and call the API) as $(DEMO_AGENT) with this token:"; \
	echo "    $$token"; \
	echo "  e.g. curl -H 'Authorization: Bearer $$token' http://$(HOST):$(PORT)/api/v1/tickets"; \
	echo ""
	@$(BIN)/baton worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(BIN)/baton serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install lint
	$(BIN)/python tests/preflight.py
	$(BIN)/pytest

# Benchmarks, side by side with their peers; not part of the test suite.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) baton.db baton.db-wal baton.db-shm .pytest_cache .mypy_cache .ruff_cache .hypothesis
