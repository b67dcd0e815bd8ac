# django-ding: `make demo` runs the example site, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11 is the baseline; pyenv's other versions are made visible to nox.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ifneq ($(shell command -v pyenv 2>/dev/null),)
export PYENV_VERSION := $(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.1[123]\.[0-9]+$$' | sort -t. -k2,2n -k3,3n | tr '\n' ':' | sed 's/:$$//')
endif
APT_PACKAGES := chromium gettext
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help demo test docs docs-serve venv system-deps system-deps-i18n lint typecheck migrations-check messages pytest matrix benchmark clean

help:
	@echo "make demo       run the example project on http://127.0.0.1:8000 (sandbox provider)"
	@echo "make test       every check: docs site, lint, types, migrations, tests on the version matrix"
	@echo "make docs       build the documentation site into site/ (strict: warnings fail)"
	@echo "make docs-serve serve the documentation site on http://127.0.0.1:8001"
	@echo "make pytest     the test suite once, in .venv, on SQLite, then its concurrency tests on PostgreSQL"
	@echo "make benchmark  run the benchmarks in benchmarks/"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# System packages from Debian: gettext compiles the translations, Chromium runs
# the browser tests. Installed only when missing.
define apt_install
	@missing=""; for pair in $(1); do cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  command -v $$cmd >/dev/null || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

system-deps-i18n:
	$(call apt_install,msgfmt:gettext)

system-deps: system-deps-i18n
	$(call apt_install,chromium:chromium)

messages: venv system-deps-i18n
	cd django_ding && ../$(BIN)/django-admin compilemessages --ignore=.venv >/dev/null

demo: venv messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup
	@echo
	@echo "  Example site:   http://127.0.0.1:8000/"
	@echo "  Sandbox inbox:  http://127.0.0.1:8000/ding-sandbox/  (the codes arrive here and in this console)"
	@echo "  Admin:          http://127.0.0.1:8000/admin/  (user: admin, password: admin)"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

# The documentation site (mkdocs.yml). Strict: a broken link, a page missing
# from the nav or an API reference to code that no longer exists fails.
DOCS_ENV := NO_MKDOCS_2_WARNING=1

docs: venv
	$(DOCS_ENV) $(BIN)/mkdocs build --strict --site-dir site

docs-serve: venv
	$(DOCS_ENV) $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# SQLite first, then the concurrency tests (marker postgres) on a throwaway
# PostgreSQL cluster: the limit locks are only proven under real concurrency.
pytest: venv system-deps messages
	$(BIN)/pytest
	$(BIN)/python -m tests.postgres_cluster $(BIN)/pytest -m postgres -q -p no:cacheprovider

# The supported matrix (see noxfile.py): Python 3.11 + Django 5.2 on SQLite,
# Python 3.13 + Django 6.1 on a throwaway PostgreSQL cluster.
matrix: venv system-deps messages
	$(BIN)/nox --no-color --error-on-missing-interpreters

test: docs lint typecheck migrations-check matrix
	@echo "make test: every check passed"

benchmark: venv
	$(BIN)/python benchmarks/client_overhead.py
	$(BIN)/python benchmarks/prelude_overhead.py
	$(BIN)/python benchmarks/admin_scale.py

clean:
	rm -rf $(VENV) .nox .coverage htmlcov .mypy_cache .ruff_cache site
