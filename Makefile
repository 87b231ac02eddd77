# Rantboard: `make run` serves a demo board on http://127.0.0.1:8000/, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install install-dev check-deploy clean bench bench-full test-multi faults

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Rantboard needs $(PYTHON) on the PATH (or: make PYTHON=python3 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Local run: debug on, SQLite (unless DATABASE_URL says otherwise), demo content, editor logins printed.
run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Rantboard is at http://$(HOST):$(PORT)/  (editors: http://$(HOST):$(PORT)/admin/)"
	@echo ""
	DJANGO_DEBUG=1 SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# What production settings look like to Django's deployment checklist.
check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  DJANGO_ALLOWED_HOSTS=board.example.com SITE_URL=https://board.example.com \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis

# Two gunicorn app servers on 127.0.0.1 sharing PostgreSQL and Redis (both must be running), and the tests that
# show a write through one is seen at once through the other.
test-multi: install-dev
	bash tests/multi/serve_two.sh

# Fault injection (tests/faults/run.py): its own PostgreSQL and Redis, three app servers under load, each service
# broken in turn; fails unless nothing was lost or doubled, every read and post got what docs/reliability.md says,
# and everything recovered within 5 s. Run as root for the cache-disk faults (a tmpfs; else reported SKIPPED); needs
# PostgreSQL's server binaries and redis-server installed, not running.
faults: install-dev
	$(BIN)/python tests/faults/run.py

# The benchmark (bench/run.py): quick = a smoke run on a small SQLite board; full = the figures in docs/benchmarks.md.
bench: install-dev
	$(BIN)/python bench/run.py --mode quick

bench-full: install-dev
	$(BIN)/python bench/run.py --mode full
