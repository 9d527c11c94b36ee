# Zielcockpit: `make run` (app with demo data on http://127.0.0.1:8050), `make check` (lint and the
# tests without browser and PostgreSQL, the quick loop) and `make test` (everything, as CI runs it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# axe-core for the accessibility tests, from the npm registry at the version package-lock.json pins
AXE := tests/js/node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test check system-packages install demo-db lint bench clean axe

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(AXE): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $(AXE)

axe: $(AXE)

demo-db: $(STAMP)
	$(BIN)/zielcockpit init-db
	$(BIN)/zielcockpit load-catalogue
	$(BIN)/zielcockpit seed-demo

# The demo's „today“ (reporting calendar): Q3 2017 is past its deadline, Q4 not yet due.
DEMO_TODAY ?= 2017-10-20

# One reminder round first, so the demo's /postausgang shows what would be sent (a round never
# sends twice for the same state; the periodic job runs on the hour after that).
run: demo-db
	ZIELCOCKPIT_TODAY=$${ZIELCOCKPIT_TODAY:-$(DEMO_TODAY)} $(BIN)/zielcockpit remind
	ZIELCOCKPIT_TODAY=$${ZIELCOCKPIT_TODAY:-$(DEMO_TODAY)} $(BIN)/zielcockpit serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Chromium, poppler, slapd, npm: installed when run as root (or with sudo that asks nothing),
# otherwise named in one sentence; the tests that need them skip (or fail with ZIELCOCKPIT_REQUIRE_*).
system-packages:
	tools/ensure-system-packages

# The quick loop: no browser, SQLite only (tests marked sql run on PostgreSQL in `make test`).
check: lint
	$(BIN)/pytest -n 2 -m "not browser and not postgres"

test: system-packages lint $(AXE)
	$(BIN)/pytest -n 2 --dist loadfile --ignore=tests/browser/test_a11y_browser.py
	$(BIN)/pytest tests/browser/test_a11y_browser.py  # keyboard focus timing: alone, not beside another worker

bench: demo-db
	$(BIN)/python -m benchmarks.bench_status
	$(BIN)/python -m benchmarks.bench_import
	$(BIN)/python -m benchmarks.bench_dashboard
	$(BIN)/python -m benchmarks.bench_entry
	$(BIN)/python -m benchmarks.bench_places
	$(BIN)/python -m benchmarks.bench_catalogue
	$(BIN)/python -m benchmarks.bench_export
	$(BIN)/python -m benchmarks.bench_first_overview

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache tests/js/node_modules
