# stampcard — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The PostgreSQL pass of `make test`; the SQLite pass always uses a throwaway file under var/.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres bench load bigdata lint messages frontend screenshots clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed messages frontend

# The scanner app's bundle (frontend/scanner/src -> stampcard/scanner/static/scanner/dist, git-ignored).
SCANNER_BUNDLE := stampcard/scanner/static/scanner/dist/.built

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund
	touch $@

$(SCANNER_BUNDLE): frontend/node_modules/.installed frontend/build.mjs $(wildcard frontend/scanner/src/*)
	node frontend/build.mjs
	touch $@

# The Poster register app's bundle (frontend/poster/src -> stampcard/poster/static/poster/dist, git-ignored).
POSTER_BUNDLE := stampcard/poster/static/poster/dist/.built

$(POSTER_BUNDLE): frontend/node_modules/.installed frontend/poster/build.mjs $(shell find frontend/poster/src -type f)
	node frontend/poster/build.mjs
	touch $@

# The merchant panel's script, stylesheet and icon sprite (frontend/panel -> stampcard/panel/static/panel/dist,
# git-ignored).
PANEL_BUNDLE := stampcard/panel/static/panel/dist/.built

$(PANEL_BUNDLE): frontend/node_modules/.installed frontend/panel/build.mjs frontend/panel/icons.txt $(shell find frontend/panel/src -type f)
	node frontend/panel/build.mjs
	touch $@

frontend: $(SCANNER_BUNDLE) $(POSTER_BUNDLE) $(PANEL_BUNDLE)

messages: $(BIN)/.installed
	$(BIN)/python manage.py compilemessages --verbosity 0 --ignore '.venv' --ignore 'var' --ignore 'node_modules'

run: install
	PORT=$(PORT) $(BIN)/python manage.py demo

# The two passes run side by side (one per core); each one's output is printed whole when it ends.
test: install
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	DATABASE_URL= $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS)

# Every main panel page in English and Ukrainian at phone and desktop width, as PNGs under var/screenshots/.
screenshots: install
	SCREENSHOTS_DIR=var/screenshots DATABASE_URL= $(BIN)/pytest -m browser tests/panel/test_screenshots.py $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.stamp_throughput
	$(BIN)/python -m bench.pkpass
	$(BIN)/python -m bench.panel_queries
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.fanout_email

# A realistic mix of the hot endpoints at rising concurrency until saturation (bench/load.py, bench/README.md), beside
# pgbench; databases stampcard_load and stampcard_load_pgbench (dropped and remade). LOAD_ARGS passes more.
LOAD_ARGS ?=
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# PostgreSQL database stampcard_bigdata (dropped and remade): ~1M cards, ~20M ledger lines (bench/bigdata.py);
# BIGDATA_CARDS / BIGDATA_EVENTS size it, BIGDATA_ARGS passes more (e.g. --verify).
BIGDATA_ARGS ?=
bigdata: $(BIN)/.installed
	$(BIN)/python -m bench.bigdata $(BIGDATA_ARGS)

lint: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) var/static var/test-*.sqlite3 frontend/node_modules stampcard/scanner/static/scanner/dist stampcard/poster/static/poster/dist stampcard/panel/static/panel/dist
