# Common Ground: `make run` to try it, `make test` to check it.
#
# Needs only Python 3.11+ and make. The first run creates .venv and installs
# the pinned requirements; later runs reinstall only when a requirements file
# changes. With DATABASE_URL / REDIS_URL set, every target runs on PostgreSQL
# and Redis instead of the embedded SQLite and filesystem queue.

SHELL := bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=
# Where the server and worker keep their files (settings read VAR_DIR too).
LOG_DIR := $(or $(VAR_DIR),var)

RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
# The Nu HTML checker the page tests run (tests/browser/test_every_page.py): the
# validator project's own npm package, pinned, in .tools/ (ignored by git). It
# needs Java 11+ to run; its install script (a Java download) is not run.
VNU_VERSION := 26.9.27
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar
VNU_STAMP := .tools/.vnu-$(VNU_VERSION)

.DEFAULT_GOAL := help
.PHONY: help install install-dev vnu run migrate seed worker beat serve test lint format-check clean-var

help:
	@echo "make run      migrate, seed the demo exchange, start a Celery worker (with beat) and the server"
	@echo "make test     run the test suite (extra pytest arguments: make test ARGS='-k seed')"
	@echo "make vnu      fetch the Nu HTML checker (vnu.jar, from npm) that the page tests run"
	@echo "make lint     ruff check and format, the import contract (lint-imports), mypy"
	@echo "make worker   a Celery worker alone (the real stack: run beat once, separately)"
	@echo "make beat     Celery beat alone (exactly one per deployment)"
	@echo "make serve    the ASGI server alone (Daphne), on HOST:PORT"
	@echo "make bench    the benchmarks (about 30 minutes); rewrites docs/benchmarks.md"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

$(VNU_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix .tools --no-save --no-audit --no-fund --ignore-scripts vnu-jar@$(VNU_VERSION) \
			&& rm -f .tools/.vnu-* && touch $@; \
	else \
		echo "npm not found: the Nu HTML checker is not installed, and the page test that runs it will skip"; \
	fi

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP) vnu
vnu: $(VNU_STAMP)

migrate: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The worker and the server run together; Ctrl-C (or the server stopping for
# any reason) stops the worker too. The worker's log is in $(LOG_DIR)/celery.log.
run seed: export SITE_URL ?= http://$(HOST):$(PORT)
run: seed
	@mkdir -p "$(LOG_DIR)"
	@set -eu; \
	$(BIN)/celery -A config worker -B --concurrency=2 -l info >"$(LOG_DIR)/celery.log" 2>&1 & \
	worker=$$!; \
	stop() { kill -TERM $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true; }; \
	trap 'stop; exit 130' INT TERM; \
	trap stop EXIT; \
	echo ""; \
	echo "Celery worker with beat: pid $$worker, log $(LOG_DIR)/celery.log"; \
	echo "Common Ground is at $(SITE_URL)/  (Ctrl-C stops the server and the worker)"; \
	echo ""; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: $(RUNTIME_STAMP)
	$(BIN)/celery -A config worker -l info --concurrency=2

beat: $(RUNTIME_STAMP)
	$(BIN)/celery -A config beat -l info

serve: $(RUNTIME_STAMP)
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

test: $(DEV_STAMP) vnu
	$(BIN)/python -m pytest $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format-check: $(DEV_STAMP)
	$(BIN)/ruff format --check .

clean-var:
	rm -rf "$(LOG_DIR)"

include bench/Makefile.inc
