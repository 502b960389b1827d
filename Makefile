# Loyalty Desk: `make run` for a demo shop, `make test` for the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= config.settings

.PHONY: install run test messages compilemessages lint contract format bench bench-quick check-deploy clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

compilemessages: $(STAMP)
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

# Refresh the .po files after adding strings; then translate both Chinese files.
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hant -l zh_Hans --ignore=.venv --ignore=staticfiles --no-obsolete -v 0

run: install compilemessages
	DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	DEBUG=1 $(PY) manage.py load_demo
	@echo "Serving the demo shop at http://127.0.0.1:8000 (Ctrl-C to stop)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install compilemessages
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The layers contract (pyproject.toml, [tool.importlinter]): no app imports upward.
contract: install
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks on PostgreSQL (see bench/README.md). DATABASE_URL picks another
# database; the harness creates, migrates and fills it when needed.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/loyalty_bench
BENCH_QUICK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/loyalty_bench_quick

bench: install
	DJANGO_SETTINGS_MODULE=config.settings_test DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} \
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: install
	DJANGO_SETTINGS_MODULE=config.settings_test DATABASE_URL=$${DATABASE_URL:-$(BENCH_QUICK_DATABASE_URL)} \
	$(PY) -m bench --quick $(BENCH_ARGS)

check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=shop.example.com $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) .pytest_cache
