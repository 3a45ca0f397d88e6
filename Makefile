# Two commands do all the set-up on a fresh clone: `make demo` and `make test`.
# Both start with `make setup`, which is quick when nothing changed (stamp files).

PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
SANDBOX_PORT ?= 8001
DASHBOARD_PORT ?= 8000
KEYS_FILE := var/field-encryption-keys
# Local encryption keys for team API keys, generated once by `make setup` and read by settings
# when FIELD_ENCRYPTION_KEYS is not set (production sets its own).

.PHONY: setup demo serve test lint typecheck pytest screenshots bench clean

setup: $(VENV)/.installed node_modules/.installed $(KEYS_FILE) var/.migrated

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12+ is required: make PYTHON=/path/to/python3.12 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(KEYS_FILE): | $(VENV)/.installed
	mkdir -p var
	$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@
	chmod 600 $@

# Migrations re-run when any migration file changes; the stamp lives beside the SQLite file.
var/.migrated: $(VENV)/.installed $(KEYS_FILE) $(shell find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o -path '*/migrations/*.py' -print)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	touch $@

demo: setup
	$(BIN)/python manage.py run_demo --port $(DASHBOARD_PORT) --sandbox-port $(SANDBOX_PORT)

# Production: gunicorn with the settings in the environment (DEPLOYMENT=production, see
# docs/deployment.md). Static files are collected and migrations applied first.
serve:
	@test "$$DEPLOYMENT" = production || grep -qsx 'DEPLOYMENT=production' .env || { echo "make serve runs production settings: set DEPLOYMENT=production and its variables (docs/deployment.md)."; exit 1; }
	$(MAKE) setup
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn --config gunicorn.conf.py postpress_dashboard.wsgi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy postpress_dashboard/postpress

pytest: setup
	@command -v chromium >/dev/null 2>&1 || echo "No Chromium found: the browser tests in tests/functional are skipped (apt-get install chromium to run them)."
	$(BIN)/pytest

test: lint typecheck pytest

# Screenshots of the main pages into docs/screenshots/, taken with the browser-test helpers.
screenshots: setup
	$(BIN)/pytest tests/functional/screenshots.py -q

# What the dashboard adds on top of the API (bench/): prints the table and writes it into
# docs/benchmarks.md. A few minutes; never part of `make test`.
bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules var
