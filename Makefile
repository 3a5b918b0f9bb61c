# Broadsheet: every target sets up what it needs (virtual environment, database, migrations).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= settings.dev

.PHONY: run test lint format migrate demo shell stop-db clean import

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## run: set up, migrate, load the demo content and serve the site at http://127.0.0.1:8000/
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --hostname $(HOST) --port $(PORT)
	@echo ""
	@echo "  Broadsheet is at   http://$(HOST):$(PORT)/"
	@echo "  Wagtail admin at   http://$(HOST):$(PORT)/admin/   (user: demo, password: demo)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: set up, lint, and run the whole test suite on PostgreSQL
test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff's checks and formatting check
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## format: apply ruff's fixes and formatting
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## migrate: apply database migrations
migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

## demo: load the demo content (safe to run again)
demo: migrate
	$(BIN)/python manage.py load_demo --hostname $(HOST) --port $(PORT)

## shell: a Django shell on the configured database
shell: $(STAMP)
	$(BIN)/python manage.py shell

## stop-db: stop the embedded PostgreSQL server (it keeps running between commands)
stop-db: $(STAMP)
	$(BIN)/python -c "from broadsheet.embedded_db import stop; stop()"

## clean: remove the virtual environment and the embedded database
clean: stop-db
	rm -rf $(VENV) .data

## import: import a Blogger backup, e.g. make import FILE=blog-11-25-2026.xml (ARGS="--dry-run" to try first)
import: migrate
	@test -n "$(FILE)" || { echo "usage: make import FILE=path/to/blogger-export.xml [ARGS=--dry-run]"; exit 2; }
	$(BIN)/python manage.py import_blogger "$(FILE)" $(ARGS)
