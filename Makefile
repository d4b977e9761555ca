# 试点通 Pilot Portal. `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# Debian packages: PDFs with Chinese (fonts, fast subsetting), psycopg2's build, translations.
APT_RUN := fonts-noto-cjk libharfbuzz-subset0 libpq-dev gcc gettext
# For the tests: PDF text extraction, the browser, Redis, compose file validation.
APT_TEST := poppler-utils chromium redis-server docker-compose

# pytest-xdist workers for `make test`: one per core; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

ifeq ($(CI),true)
  # CI runs on PostgreSQL and Redis, with a real Celery worker in the integration tests.
  export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pilot_portal
  export REDIS_URL ?= redis://127.0.0.1:6379/14
endif

.PHONY: help run test bench setup system-packages test-packages services lint format messages

help:
	@echo "make run    set up, migrate, load the demo cities, serve http://127.0.0.1:8000"
	@echo "make test   set up and run the whole suite (ruff, migrations check, pytest)"
	@echo "make bench  national-scale benchmarks into benchmarks/results/latest.json"

# Debian's own Python lacks venv (python3-venv) and headers for psycopg2's build (python3-dev).
PY_HEADERS := $(shell $(PYTHON) -c 'import os, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))')

system-packages:
	@scripts/ensure-debian-packages.sh $(APT_RUN) \
	  $(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null || echo python3-venv) \
	  $(if $(filter True,$(PY_HEADERS)),,python3-dev)

test-packages: system-packages
	@scripts/ensure-debian-packages.sh $(APT_TEST)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: system-packages $(VENV)/.installed messages

messages: $(VENV)/.installed
	@$(MANAGE) compilemessages -v0 --ignore '.venv/*'

run: setup
	mkdir -p var
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) seed_demo
	@echo
	@echo "  试点通 Pilot Portal: http://127.0.0.1:8000/"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-Pilot-Demo-2026}):"
	@echo "    <city>-<role>  e.g. shenyang-city_admin, xiamen-district_officer, xinxiang-enterprise"
	@echo "      cities: shenyang xiamen xinxiang"
	@echo "      roles:  city_admin district_officer finance_officer expert assessor auditor enterprise provider"
	@echo "    ministry, liaoning-province, fujian-province, henan-province, provider, admin (Django admin)"
	@echo
	$(MANAGE) runserver 127.0.0.1:8000

services:
	@scripts/ensure-services.sh

test: test-packages setup $(if $(filter true,$(CI)),services)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v1
	$(VENV)/bin/pytest -q -n $(PYTEST_WORKERS)

bench: setup
	@scripts/ensure-debian-packages.sh wrk postgresql
	@scripts/ensure-services.sh postgres
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.assessments
	$(PY) -m benchmarks.subsidies
	$(PY) -m benchmarks.verification
	$(PY) -m benchmarks.reporting

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
