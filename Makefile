# Two commands on a fresh machine: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_NO_CONFIG := 1

.PHONY: run test lint format bench schema schema-check migrate demo lock clean install install-dev web vendor browser

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

# Re-install only when a lock file changes.
$(VENV)/.runtime-installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.dev-installed
	@touch $@

$(VENV)/.dev-installed: requirements-dev.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(VENV)/.runtime-installed
	@touch $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

# Front-end packages from package-lock.json, for developers and tests only (GraphQL Code
# Generator, axe-core, and the sources of the vendored files below). `make run` needs no Node.
node_modules/.installed: package.json package-lock.json
	npm ci --loglevel=error
	@touch $@

web: node_modules/.installed

## vendor: refresh the committed advocacy/web/static/vendor/ (Chart.js, React, GraphiQL) and its
## manifest.json from node_modules, after a version change in package.json / package-lock.json
vendor: install node_modules/.installed
	$(BIN)/python -m advocacy.web.vendored node_modules

# The browser tests drive Debian's Chromium (Playwright's own browser download can't run here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The links `make run` prints (and puts in emails) follow HOST and PORT, unless
# ADVOCACY_PUBLIC_URL is set (in the environment, on the command line or in .env).
ifeq ($(origin ADVOCACY_PUBLIC_URL)$(shell grep -s '^ADVOCACY_PUBLIC_URL=' .env),undefined)
run: export ADVOCACY_PUBLIC_URL := http://$(HOST):$(PORT)
endif

## run: install, migrate an SQLite database under var/, seed the demo, serve on HOST:PORT
## (default 127.0.0.1:8000; ADVOCACY_PUBLIC_URL follows unless set): make run PORT=8080
run: install
	$(BIN)/advocacy migrate
	$(BIN)/advocacy demo
	$(BIN)/advocacy serve --host $(HOST) --port $(PORT)

## test: install dev tools, lint, type-check and run the whole test suite
test: install-dev web browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check advocacy tests bench migrations/env.py
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check advocacy tests bench migrations/env.py
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format advocacy tests bench migrations/env.py

## bench: seed PostgreSQL and measure the API against a hand-written baseline
bench: install-dev
	$(BIN)/python -m bench.run

## schema: export frontend-schema/schema.graphql + schema.json, then generate the operations' TypeScript
schema: install node_modules/.installed
	$(BIN)/advocacy export-schema --output frontend-schema/schema.graphql --json frontend-schema/schema.json
	npx graphql-codegen --config frontend-schema/codegen.yml

## schema-check: what CI checks of frontend-schema/, without the test suite
schema-check: install node_modules/.installed
	$(BIN)/advocacy schema-check

migrate: install
	$(BIN)/advocacy migrate

demo: install
	$(BIN)/advocacy demo

## lock: re-resolve the pinned lock files from pyproject.toml, each pin with its files' hashes
# (installs refuse a download that doesn't match). --no-header keeps this machine's paths and
# index out of the files. uv keeps the versions already pinned unless pyproject.toml needs others.
LOCK := $(BIN)/uv pip compile --quiet --no-header --universal --generate-hashes pyproject.toml
lock: | $(BIN)/uv
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache node_modules test-artifacts
