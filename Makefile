# Cổng Dịch vụ công: the two commands a newcomer needs are `make run` and `make test`.
# Everything they need is set up here, idempotently; each step reruns only when its inputs change.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
HTMX := portal/static/vendor/htmx.min.js
PO_FILES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
# make run serves the demo portal (demo mode: demo data and accounts); make serve does not.
run seed: export PORTAL_DEMO_MODE ?= true

.PHONY: run serve test lint coverage bench migrate seed setup setup-dev babel-extract babel-update clean fuzz

## run: install, migrate, load demo data if empty, serve on http://127.0.0.1:8000
run: setup migrate seed
	$(FLASK) run --host 127.0.0.1 --port 8000

## serve: production-like serving with gunicorn (see gunicorn.conf.py)
serve: setup migrate
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## test: everything the tests need, then lint and the whole suite with coverage
test: setup-dev lint
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/coverage combine -q
	$(BIN)/coverage report

## fuzz: the fuzz suite with many more examples than `make test` (FUZZ_EXAMPLES, default 200
## here, 2 in the suite); set PORTAL_TEST_DATABASE_URL to fuzz PostgreSQL too
FUZZ_EXAMPLES ?= 200
fuzz: setup-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n auto -p no:cacheprovider tests/test_fuzz.py $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/flake8 portal tests bench wsgi.py gunicorn.conf.py

## bench: speed and memory benchmarks (needs wrk: apt-get install wrk; Chromium)
bench: setup-dev bench/lighthouse/node_modules/.package-lock.json
	$(BIN)/python -m bench $(BENCH_ARGS)

bench/lighthouse/node_modules/.package-lock.json: bench/lighthouse/package.json bench/lighthouse/package-lock.json
	npm ci --prefix bench/lighthouse --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(FLASK) db upgrade
	$(FLASK) search rebuild --if-empty

seed: migrate
	$(FLASK) seed-demo --if-empty

setup: $(VENV)/.installed node_modules/.package-lock.json $(HTMX) $(MO_FILES)

setup-dev: setup $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: setup.cfg $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(HTMX): node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

## babel-extract / babel-update: refresh the message catalogue after changing UI text
babel-extract: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o portal/translations/messages.pot .

babel-update: babel-extract
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules $(HTMX) .coverage htmlcov .pytest_cache
	find portal/translations -name '*.mo' -delete
