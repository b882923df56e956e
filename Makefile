# stampcard — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The PostgreSQL pass of `make test`; the SQLite pass always uses a throwaway file under var/.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres bench lint messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed messages

messages: $(BIN)/.installed
	$(BIN)/python manage.py compilemessages --verbosity 0 --ignore '.venv' --ignore 'var' --ignore 'node_modules'

run: install
	PORT=$(PORT) $(BIN)/python manage.py demo

test: test-sqlite test-postgres

test-sqlite: install
	DATABASE_URL= $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.stamp_throughput
	$(BIN)/python -m bench.pkpass

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) var/static var/test-*.sqlite3
