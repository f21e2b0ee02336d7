# Two commands: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-sqlite test-postgres system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/storefront migrate
	$(BIN)/storefront seed --if-empty
	$(BIN)/storefront processor keygen
	@echo "Mail the shop sends goes to the SMTP sink on 127.0.0.1:8025 (the worker delivers it): one .eml file per message in instance/mail/"
	$(BIN)/honcho start

system-deps:
	scripts/install-system-deps

test: $(VENV)/.test-installed system-deps
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/ruff check --no-cache .
	$(BIN)/pytest -p no:cacheprovider

test-postgres:
	scripts/with-postgres $(BIN)/pytest -p no:cacheprovider

bench: $(VENV)/.run-installed system-deps
	bench/run

# Shoppers placing orders end to end against the shop, gunicorn and the sandbox processor.
.PHONY: bench-checkout
bench-checkout: $(VENV)/.run-installed
	bench/checkout

clean:
	rm -rf $(VENV) .pytest_cache
