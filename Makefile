# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 or newer: on PATH, or in pyenv's folder when its shims are not set up.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if "$$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo "$$p"; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: help run test test-fast lint bench model lock messages demo clean services browser-deps

help:
	@echo "make run    set up and run the whole site (web, workers, beat, demo data, model)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff and the import contracts (lint-imports);  make bench  benchmarks as JSON"
	@echo "make model  retrain the shipped model;  make messages  refresh the translations"

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed: install python3.12 (Debian/Ubuntu: apt-get install python3.12 python3.12-venv; or pyenv install 3.12)." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing $$(grep -c '^[a-zA-Z]' requirements.lock) pinned packages into $(VENV) (the first time takes about 5 minutes; pip prints each one)"
	$(PY) -m pip install --progress-bar on --disable-pip-version-check --require-hashes -r requirements.lock 2>&1 \
		| grep --line-buffered -v -E '^(WARNING: Location .* is ignored|  Using cached|  Downloading|  Obtaining|     )' \
		| sed -u 's/^/  /'; exit $${PIPESTATUS[0]}
	@touch $@

run: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py show_config
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m honcho -f Procfile start -p $(PORT)

demo: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# Browser tests need Debian's chromium and chromium-driver, the deploy/ checks nginx;
# installed here when we may (root with apt).
browser-deps:
	@missing=""; command -v chromedriver >/dev/null 2>&1 || missing="chromium chromium-driver"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's $$missing for the browser and deploy tests"; \
			(apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)); \
		else echo "Browser and deploy tests need: apt-get install $$missing" >&2; fi; \
	fi

test: $(VENV)/.installed browser-deps
	@mkdir -p var
	$(PY) scripts/with_services.py $(PY) -m pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_sizes.py

bench: $(VENV)/.installed
	@for b in bench/bench_*.py; do echo "== $$b" >&2; $(PY) scripts/with_services.py $(PY) $$b || exit 1; done

model: $(VENV)/.installed
	$(PY) -m dois.ml.make_model

messages: $(VENV)/.installed
	for app in common hub events dois; do (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete && ../$(PY) ../manage.py compilemessages -l zh_Hans); done
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete -i 'hub/*' -i 'events/*' -i 'dois/*' -i 'common/*' -i '.venv/*' -i 'tests/*' -i 'var/*' -i 'bench/*' -i 'scripts/*' -i 'deploy/*' -i 'locale/*' -i manage.py
	cd locale && ../$(PY) ../manage.py compilemessages -l zh_Hans

lock:
	$(PYTHON) -m venv var/lockenv && var/lockenv/bin/pip install --quiet uv==0.13.8
	var/lockenv/bin/uv pip compile pyproject.toml --extra dev -c lock-constraints.txt \
		--python $(PYTHON) --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock

clean:
	rm -rf var/db.sqlite3 var/broker var/media var/celerybeat-schedule
