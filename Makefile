# Zielcockpit: `make run` (app with demo data on http://127.0.0.1:8050) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test install demo-db lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo-db: $(STAMP)
	$(BIN)/zielcockpit init-db
	$(BIN)/zielcockpit load-catalogue
	$(BIN)/zielcockpit seed-demo

run: demo-db
	$(BIN)/zielcockpit serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: demo-db
	$(BIN)/python -m benchmarks.bench_status
	$(BIN)/python -m benchmarks.bench_import
	$(BIN)/python -m benchmarks.bench_dashboard
	$(BIN)/python -m benchmarks.bench_entry

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
