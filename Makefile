# Kelas Inovasi: `make run` starts the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
export LMS_DEFAULT_TIMEZONE ?= Asia/Makassar
# `make serve` does not pass the demo time zone above on.
SERVE_ENV = $(if $(filter file,$(origin LMS_DEFAULT_TIMEZONE)),env -u LMS_DEFAULT_TIMEZONE)

.PHONY: run serve test test-sqlite test-postgres lint format chromium bench messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

# Links printed on certificates and in calendar feeds point at this address. Jobs (large
# exports, backups) run in the dev server's own threads, queued in instance/jobs.sqlite3.
run: export LMS_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed instance/secret_key
	$(FLASK) lms init
	$(FLASK) lms courses sync
	$(FLASK) lms demo
	@echo "Kelas Inovasi: http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: migrate, then gunicorn with gunicorn.conf.py (README "Production") and one job
# worker beside it (`flask lms worker`, stopped with gunicorn); LMS_SERVE_WORKER=0 starts
# gunicorn alone, for workers run as their own service (README "Jobs"). The settings come
# from LMS_* variables; the Makefile's demo time zone is not passed on.
serve: $(VENV)/.installed
	@if [ -z "$$LMS_SECRET_KEY" ] && [ ! -s "$${LMS_INSTANCE_PATH:-instance}/secret_key" ]; then \
	  echo "Refusing to serve without a secret key: set LMS_SECRET_KEY (or write instance/secret_key)."; \
	  exit 1; \
	fi
	@if [ -z "$$LMS_PUBLIC_URL" ]; then \
	  echo "Refusing to serve without LMS_PUBLIC_URL: set it to the address people reach the LMS at (e.g. https://lms.example.go.id)."; \
	  exit 1; \
	fi
	$(SERVE_ENV) $(FLASK) lms init
	@if [ "$${LMS_SERVE_WORKER:-1}" = 0 ]; then \
	  exec $(SERVE_ENV) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app; \
	fi; \
	$(SERVE_ENV) $(FLASK) lms worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 143' TERM; trap 'exit 130' INT; \
	$(SERVE_ENV) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests need Debian's chromium; install it when missing and we may.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi

test: $(VENV)/.installed chromium lint test-sqlite test-postgres

test-sqlite: $(VENV)/.installed
	$(BIN)/pytest

# A fresh PostgreSQL database for each run, dropped afterwards. Required on CI.
test-postgres: $(VENV)/.installed
	@if ! $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  if [ -n "$$CI" ]; then echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; fi; \
	  echo "PostgreSQL not reachable: skipping the PostgreSQL run"; exit 0; \
	fi; \
	name=lms_test_$$(date +%s)_$$$$; \
	$(BIN)/python -c "import psycopg,sys; c=psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', autocommit=True); c.execute('CREATE DATABASE ' + sys.argv[1])" $$name && \
	LMS_TEST_DATABASE_URL=$(PG_URL)/$$name $(BIN)/pytest -m "not e2e"; status=$$?; \
	$(BIN)/python -c "import psycopg,sys; c=psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', autocommit=True); c.execute('DROP DATABASE IF EXISTS ' + sys.argv[1] + ' WITH (FORCE)')" $$name; \
	exit $$status

# The benchmarks' peers (WeasyPrint, beside the certificates) come with the bench extra.
bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/report.py --write-results

# Extract strings into the catalogs and compile them (after changing UI text).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d lms/translations

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
