# Broadsheet: every target sets up what it needs (virtual environment, database, migrations).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= settings.dev

BENCH_POSTS ?= 10000
BENCH_PEER_POSTS ?= 2000

.PHONY: bench bench-peer run serve worker tasks-status test test-scale test-browser backup restore lint format migrate demo shell stop-db clean import export

# Every install takes the exact versions and file hashes in the lock files (make lock):
# requirements.lock for the site (the Docker image), requirements-test.lock adds the test tools.
$(STAMP): requirements-test.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: set up, migrate, load the demo content, serve the site at http://127.0.0.1:8000/ and run a
## worker for background tasks (Ctrl-C stops both); email is written to files in .data/mail/
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --hostname $(HOST) --port $(PORT)
	@echo ""
	@echo "  Broadsheet is at   http://$(HOST):$(PORT)/"
	@echo "  Wagtail admin at   http://$(HOST):$(PORT)/admin/   (user: demo, password: demo)"
	@echo "  Email it sends     .data/mail/   (one file per message)"
	@echo ""
	$(BIN)/python -m broadsheet.together "$(BIN)/python manage.py runserver $(HOST):$(PORT)" \
		"$(BIN)/python manage.py db_worker"

## serve: production serving: check the database and cache, collect static files, migrate, run gunicorn
## and a task worker together (settings.production: needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
## DATABASE_URL; see README "Deploying")
serve: export DJANGO_SETTINGS_MODULE = settings.production
serve: $(STAMP)
	$(BIN)/python manage.py check_services
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m broadsheet.together "$(BIN)/gunicorn --config gunicorn.conf.py" \
		"$(BIN)/python manage.py db_worker"

## worker: only a worker for background tasks (email delivery and its retries); run more for more throughput
worker: migrate
	$(BIN)/python manage.py db_worker

## tasks-status: how many background tasks are queued, running and failed, and the latest errors
tasks-status: $(STAMP)
	$(BIN)/python manage.py tasks_status

## bench: load-test a generated blog of BENCH_POSTS posts under gunicorn with wrk (see README "Performance");
## BENCH_GROWTH=1000,10000,100000: the single-request growth curve over those blog sizes instead
bench: $(STAMP)
	BENCH_POSTS=$(BENCH_POSTS) $(BIN)/python bench/run.py

## bench-peer: Broadsheet and Puput 2.2 side by side on the same blog of BENCH_PEER_POSTS posts, under
## the same load, with ratios (ARGS="--rounds 3 --duration 10"; see README "Caching and performance")
bench-peer: $(STAMP)
	BENCH_PEER_POSTS=$(BENCH_PEER_POSTS) $(BIN)/python bench/peer.py $(ARGS)

# The suite runs on settings.test (pytest's own choice) whatever the shell exports.
test test-scale test-browser: export DJANGO_SETTINGS_MODULE = settings.test

## test: set up, lint, check, and run the whole test suite on PostgreSQL
test: $(STAMP) lint check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## check: Django's system checks (a warning fails too) and no model change without its migration
check: $(STAMP)
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

## test-scale: two gunicorn app servers on one PostgreSQL server and one Redis behind Varnish
## (Debian's packages), and two task workers on one database running each task once
test-scale: $(STAMP)
	$(BIN)/python -m pytest -m scale tests/ops/test_scale.py $(PYTEST_ARGS)

## backup: the database (pg_dump) and the media folder in one archive under backups/
backup: $(STAMP)
	$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE))

## restore: FILE=backups/broadsheet-....tar.gz puts that archive's database and media back
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/broadsheet-YYYYmmdd-HHMMSS.tar.gz"; exit 2; }
	$(BIN)/python manage.py restore $(FILE)

## test-browser: only the browser tests (Chromium is installed by the tests when missing)
test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

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

## import: import a Blogger backup or a WordPress export, e.g. make import FILE=blog-11-25-2026.xml (ARGS="--dry-run" to try first)
import: migrate
	@test -n "$(FILE)" || { echo "usage: make import FILE=path/to/export.xml [ARGS=--dry-run]"; exit 2; }
	@if head -c 4096 "$(FILE)" | grep -q 'wordpress.org/export/'; then command=import_wordpress; else command=import_blogger; fi; \
	echo "manage.py $$command $(FILE) $(ARGS)"; $(BIN)/python manage.py $$command "$(FILE)" $(ARGS)

## export: the whole site as a WordPress export (WXR), e.g. make export FILE=site.xml
export: migrate
	@test -n "$(FILE)" || { echo "usage: make export FILE=path/to/site.xml"; exit 2; }
	$(BIN)/python manage.py export_site "$(FILE)" $(ARGS)

.PHONY: lock help check

## lock: re-resolve pyproject.toml's ranges into requirements.lock and requirements-test.lock
## (ARGS=--upgrade for the newest releases, ARGS="--upgrade-package wagtail" for one); commit both
LOCK_OPTIONS := --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip-tools>=7.5,<8"
	$(BIN)/pip-compile $(LOCK_OPTIONS) --output-file requirements.lock $(ARGS) pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTIONS) --extra test --constraint requirements.lock \
		--output-file requirements-test.lock $(ARGS) pyproject.toml

## help: this list
help:
	@sed -n 's/^## //p' Makefile
