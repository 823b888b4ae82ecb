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
# Translations (docs/languages.md): the catalogs under locale/, compiled by GNU
# gettext's msgfmt. With no .po file nothing is compiled and msgfmt is not needed.
MESSAGE_LANGUAGES ?= es
MESSAGES_IGNORE := --ignore=.venv --ignore=.tools --ignore=bench --ignore=tests --ignore=var --ignore=node_modules
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help install install-dev vnu run migrate seed worker beat serve test lint format-check clean-var
.PHONY: messages compilemessages messages-check

help:
	@echo "make run      migrate, seed the demo exchange, start a Celery worker (with beat) and the server"
	@echo "make test     run the test suite (extra pytest arguments: make test ARGS='-k seed')"
	@echo "make vnu      fetch the Nu HTML checker (vnu.jar, from npm) that the page tests run"
	@echo "make lint     ruff check and format, the import contract (lint-imports), mypy"
	@echo "make messages the translation catalogs (locale/<lang>/LC_MESSAGES/*.po) brought up to date"
	@echo "make compilemessages  compile them (GNU gettext's msgfmt; make install/run/test do it too)"
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

install: $(RUNTIME_STAMP) compilemessages
install-dev: $(DEV_STAMP) vnu compilemessages
vnu: $(VNU_STAMP)

migrate: $(RUNTIME_STAMP) compilemessages
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

test: $(DEV_STAMP) vnu compilemessages
	$(BIN)/python -m pytest $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format-check: $(DEV_STAMP)
	$(BIN)/ruff format --check .

# Every marked string of the Python code and templates (django) and of static/js
# (djangojs) into each language's catalog; new strings arrive untranslated,
# changed ones fuzzy, for a translator. Locations name the file only, so that
# moving a line does not make the catalog stale.
messages: $(RUNTIME_STAMP)
	@mkdir -p $(foreach lang,$(MESSAGE_LANGUAGES),locale/$(lang)/LC_MESSAGES)
	$(BIN)/python manage.py makemessages -d django $(foreach lang,$(MESSAGE_LANGUAGES),-l $(lang)) \
		$(MESSAGES_IGNORE) --ignore=static --no-obsolete --add-location=file
	$(BIN)/python manage.py makemessages -d djangojs $(foreach lang,$(MESSAGE_LANGUAGES),-l $(lang)) \
		$(MESSAGES_IGNORE) --no-obsolete --add-location=file

# A catalog is compiled when its .po is newer than its .mo, and only once it is
# complete (no untranslated or fuzzy entry; INCOMPLETE=1 compiles it anyway, to
# preview a translation): a language is offered once its django.mo exists
# (settings.OFFERED_LANGUAGES). The compiled .mo files are committed beside
# their .po, so a machine without msgfmt (Python only) still offers every
# complete language; messages-check keeps the two in step.
INCOMPLETE ?=
compilemessages: $(MO_FILES)

locale/%.mo: locale/%.po
	@if ! command -v msgfmt >/dev/null 2>&1; then \
		if [ -f $@ ]; then echo "msgfmt not found: $@ is used as committed"; \
		else echo "msgfmt not found (GNU gettext: apt-get install gettext, brew install gettext):"; \
			echo "  $< is not compiled, and its language is not offered until it is"; fi; \
	else \
		stats=$$(LC_ALL=C msgfmt --check --statistics -o $@.tmp $< 2>&1) || { echo "$$stats"; rm -f $@.tmp; exit 1; }; \
		if [ -z "$(INCOMPLETE)" ] && echo "$$stats" | grep -Eq 'untranslated|fuzzy'; then \
			echo "$<: $$stats; not compiled until complete (INCOMPLETE=1 to preview)"; rm -f $@.tmp $@; \
		else \
			mv $@.tmp $@ && echo "$<: $$stats"; \
		fi; \
	fi

# CI: fail when a catalog is missing or stale (make messages would create or
# change it beyond its creation date), fuzzy, or does not compile; or when a
# committed .mo is not its complete .po compiled (or compiles an incomplete one).
MO_SAME := import gettext, sys; a, b = (gettext.GNUTranslations(open(p, "rb"))._catalog for p in sys.argv[1:]); sys.exit(a != b)
messages-check: $(RUNTIME_STAMP)
	@set -eu; \
	before=$$(mktemp -d); trap 'rm -rf "$$before"' EXIT; \
	mkdir -p locale; cp -R locale "$$before/"; \
	$(MAKE) --no-print-directory messages >/dev/null; \
	status=0; \
	for po in $$(find locale -name '*.po' | sort); do \
		mo=$${po%.po}.mo; \
		if [ ! -f "$$before/$$po" ]; then \
			echo "$$po is missing: run make messages, translate, and commit it"; status=1; continue; \
		fi; \
		if ! diff -u -I '^"POT-Creation-Date:' "$$before/$$po" "$$po"; then \
			echo "$$po is stale: run make messages, translate, and commit it"; status=1; \
		fi; \
		if grep -n '^#,.*fuzzy' "$$before/$$po"; then echo "$$po has fuzzy entries: review them"; status=1; fi; \
		stats=$$(LC_ALL=C msgfmt --check --statistics -o "$$before/check.mo" "$$before/$$po" 2>&1) || { echo "$$stats"; status=1; continue; }; \
		if echo "$$stats" | grep -Eq 'untranslated|fuzzy'; then \
			if [ -f "$$mo" ]; then echo "$$mo compiles an incomplete catalog ($$stats): remove it"; status=1; fi; \
		elif [ ! -f "$$mo" ]; then \
			echo "$$mo is missing: run make compilemessages and commit it"; status=1; \
		elif ! $(BIN)/python -c '$(MO_SAME)' "$$before/check.mo" "$$mo"; then \
			echo "$$mo is stale: run make compilemessages and commit it"; status=1; \
		fi; \
	done; \
	rm -rf locale; cp -R "$$before/locale" locale; \
	exit $$status

clean-var:
	rm -rf "$(LOG_DIR)"

include bench/Makefile.inc
